"""Database engines: one for reading and writing, one for looking only.

SQLite files are opened in WAL mode with a busy timeout, network databases
with a connect timeout, ``postgresql://`` URLs with psycopg 3, and URLs are
described without their password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

# How long a SQLite connection waits for another process's write lock before
# giving up. Readers in WAL mode are not blocked by a writer, so this only
# matters while a migration or checkpoint holds the lock.
SQLITE_BUSY_TIMEOUT_MS = 5000

# Seconds to wait for a network database to accept a connection. Without a
# limit a firewalled host keeps a readiness check hanging for minutes.
CONNECT_TIMEOUT_S = 5
_CONNECT_TIMEOUT_ARGS = {
    "psycopg": "connect_timeout",
    "psycopg2": "connect_timeout",
    "pymysql": "connect_timeout",
    "mysqldb": "connect_timeout",
}

# The driver for a URL that names a database but no driver. psycopg 3 is the
# PostgreSQL driver this package depends on (its binary wheels bundle libpq, so
# a host needs neither a compiler nor libpq); SQLAlchemy 2.0 would pick
# psycopg2 for ``postgresql://``, which is not installed (2.1 picks psycopg).
# ``postgresql://`` is what users and deploy tools write, so it must work as is.
_DEFAULT_DRIVERS = {"postgresql": "psycopg"}

_TRUE = {"1", "true", "yes", "on", "t", "y"}


def engine_url(url: str | URL) -> URL:
    """The URL as the engines open it: ``postgresql://`` gets the psycopg driver.

    A URL that names its driver (``postgresql+psycopg2://``) is kept as it is.
    """
    u = make_url(url)
    driver = _DEFAULT_DRIVERS.get(u.drivername)
    return u if driver is None else u.set(drivername=f"{u.drivername}+{driver}")


def sqlite_file(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory ones."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    database = u.database or ""
    if str(u.query.get("uri", "")).lower() in _TRUE:
        # SQLite's URI form: sqlite:///file:PATH?mode=ro&uri=true
        if u.query.get("mode") == "memory":
            return None
        if database.startswith("file:"):
            database = unquote(database[len("file:") :])
            if database.startswith("//"):
                # file://HOST/PATH, where SQLite accepts only "" or "localhost" as HOST.
                database = "/" + database[2:].partition("/")[2]
    return _sqlite_path(database)


def _sqlite_path(database: str) -> Path | None:
    if database in ("", ":memory:"):
        return None
    # pysqlite resolves relative names against the working directory; do the same.
    return Path(database).absolute()


def describe(url: str | URL) -> str:
    """A database URL that is safe to print: the password is masked.

    The driver is the one the engines use, so a log line says what was opened.
    """
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return engine_url(url).render_as_string(hide_password=True)


def describe_error(exc: BaseException) -> str:
    """One line about a failure, without SQLAlchemy's statement dump and doc link."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, ModuleNotFoundError):
        # create_engine() imports the driver named in the URL.
        return f"database driver not installed ({exc})"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _engine_kwargs(url: URL) -> dict[str, Any]:
    arg = _CONNECT_TIMEOUT_ARGS.get(url.get_driver_name())
    if arg is None or arg in url.query:
        return {}
    return {"connect_args": {arg: CONNECT_TIMEOUT_S}}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, wal: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if wal:
            # WAL lets any number of worker processes read while one writes. The
            # mode is stored in the database file, so setting it once is enough,
            # and repeating it on a database already in WAL mode costs nothing.
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for reading and writing. SQLite files are put in WAL mode."""
    u = engine_url(url)
    engine = create_engine(u, **{**_engine_kwargs(u), **kwargs})
    if sqlite_file(u) is not None:
        event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, wal=True))
    return engine


def make_readonly_engine(url: str | URL) -> Engine:
    """An engine for looking only. SQLite files are opened read-only: a missing one stays missing.

    Connections are not pooled: every check opens a fresh one, so a check
    reports whether the database can be reached now, not whether it could be
    when the pool was filled.
    """
    u = engine_url(url)
    path = sqlite_file(u)
    if path is None:
        engine = create_engine(u, poolclass=NullPool, **_engine_kwargs(u))
        if u.get_backend_name() == "postgresql":
            # Every transaction starts READ ONLY: PostgreSQL's counterpart of
            # SQLite's mode=ro below, so a check cannot write by mistake.
            return engine.execution_options(postgresql_readonly=True)
        return engine
    # SQLite's own URI syntax, opened in read-only mode: a missing file is an
    # error instead of a new empty database.
    ro = u.set(
        database="file:" + quote(str(path)),
        query={**u.query, "mode": "ro", "uri": "true"},
    )
    engine = create_engine(ro, poolclass=NullPool)
    event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, wal=False))
    return engine
