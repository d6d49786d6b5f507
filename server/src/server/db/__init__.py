"""The server's database, one module per concern.

- ``server.db.engine``: engines for SQLite and network databases, and how
  to print a URL or an error without leaking a password.
- ``server.db.migrations``: the packaged Alembic migrations, upgrading a
  database and reading its revision.
- ``server.db.readiness``: whether the database is reachable and at the
  schema this code expects.
"""
