"""Alembic environment: how migrations reach the database.

``server.db.migrations.upgrade`` hands over an open connection in
``config.attributes["connection"]``. When Alembic is run by other means (its
own command line, with a config file of your own) the database comes from
``sqlalchemy.url`` in that file or else from ``DATABASE_URL``, exactly as the
server reads it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from server.db.engine import engine_url, make_engine
from server.settings import Settings

config = context.config

# The schema is defined by the migration scripts alone; there is no model
# metadata to compare against, so autogenerate is not used.
target_metadata = None


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    # The same dialect as online: postgresql:// means psycopg (see engine_url).
    url = engine_url(_database_url())
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
