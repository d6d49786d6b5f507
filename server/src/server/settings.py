"""Configuration, read only from environment variables.

Under systemd the environment is the one place every knob can be set
(``Environment=``, ``EnvironmentFile=``), and it is the same for the HTTP
workers and for ``python -m server migrate``, so both always agree on which
database they are talking about.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_RELEASE = "dev"
DEFAULT_LOG_LEVEL = "INFO"
SQLITE_FILENAME = "server.db"

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    """SQLAlchemy URL of the database (``DATABASE_URL``), as given.

    ``postgresql://`` is opened with psycopg 3 (see ``server.db.engine.engine_url``).
    """

    release: str = DEFAULT_RELEASE
    """Identifier of the deployed release (``APP_RELEASE``)."""

    log_level: str = DEFAULT_LOG_LEVEL
    """Name of the level for the application's own logs (``LOG_LEVEL``)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=_database_url(env),
            # An empty value counts as unset: systemd's ``Environment=APP_RELEASE=``
            # and an empty line in an EnvironmentFile both produce one.
            release=env.get("APP_RELEASE") or DEFAULT_RELEASE,
            log_level=_log_level(env.get("LOG_LEVEL") or DEFAULT_LOG_LEVEL),
        )


def default_database_path(environ: Mapping[str, str]) -> Path:
    """Where the SQLite database lives when ``DATABASE_URL`` is not set.

    systemd exports ``STATE_DIRECTORY`` for units with ``StateDirectory=``; it
    is a colon-separated list when the unit names several directories, and the
    first one is the unit's own. Outside systemd the working directory is used.
    """
    first = environ.get("STATE_DIRECTORY", "").split(":")[0]
    base = Path(first) if first else Path.cwd()
    return base.absolute() / SQLITE_FILENAME


def _database_url(environ: Mapping[str, str]) -> str:
    url = environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{default_database_path(environ)}"
    try:
        make_url(url)
    except ArgumentError:
        # Name the variable but never echo its value: it may hold a password.
        raise SettingsError(
            "DATABASE_URL is not a valid SQLAlchemy URL (expected "
            "postgresql://user:password@host/dbname, dialect[+driver]://... or sqlite:////path)"
        ) from None
    return url


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level == "WARN":
        level = "WARNING"
    if level not in _LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, not {value!r}")
    return level


def configure_logging(settings: Settings) -> None:
    """Send the application's logs to stderr, which journald collects.

    Uvicorn configures only its own loggers, so the root logger gets a plain
    handler here unless something (a test runner, a custom log config) has
    already set one up. No timestamps: journald records its own.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    logging.getLogger("server").setLevel(settings.log_level)
    # Alembic logs a few lines at INFO every time it opens the version table;
    # ``migrate`` reports the steps it ran itself, so keep Alembic for debugging.
    alembic_level = "DEBUG" if settings.log_level == "DEBUG" else "WARNING"
    logging.getLogger("alembic").setLevel(alembic_level)
