"""Database engines, schema migrations and the readiness check.

Alembic is driven from code, not from an ``alembic.ini``: the migration
scripts ship inside the package, so the installed wheel is all a host needs
to bring its database up to date.

Only ``migrate`` needs Alembic itself, so it is imported there and nowhere
else: the HTTP workers, which only compare revisions, stay about 10 MB
smaller each without it (and the Mako templates it brings along).
"""

from __future__ import annotations

import ast
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
# Alembic's default bookkeeping table, which env.py keeps.
VERSION_TABLE = "alembic_version"

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

_TRUE = {"1", "true", "yes", "on", "t", "y"}


class MigrationError(RuntimeError):
    """A migration cannot be run as asked."""


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
    """A database URL that is safe to print: the password is masked."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


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
    u = make_url(url)
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
    u = make_url(url)
    path = sqlite_file(u)
    if path is None:
        return create_engine(u, poolclass=NullPool, **_engine_kwargs(u))
    # SQLite's own URI syntax, opened in read-only mode: a missing file is an
    # error instead of a new empty database.
    ro = u.set(
        database="file:" + quote(str(path)),
        query={**u.query, "mode": "ro", "uri": "true"},
    )
    engine = create_engine(ro, poolclass=NullPool)
    event.listen(engine, "connect", lambda c, r: _sqlite_pragmas(c, r, wal=False))
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at the packaged migrations.

    The connection travels in ``Config.attributes`` rather than as a URL
    option, which would go through configparser and break on ``%`` in
    passwords.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision of the packaged migrations.

    Read from the scripts' ``revision`` and ``down_revision`` assignments
    rather than through Alembic (see the module docstring); the tests check
    that Alembic agrees.
    """
    parents: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS_DIR.glob("*.py")):
        if path.name.startswith("__"):  # Alembic skips __init__.py too
            continue
        found = _module_constants(path, ("revision", "down_revision"))
        if not isinstance(found.get("revision"), str):
            raise MigrationError(f"{path.name} does not assign a revision id")
        down = found.get("down_revision") or ()
        # A merge revision names several parents; an ordinary one names one.
        parents[found["revision"]] = (down,) if isinstance(down, str) else tuple(down)
    built_upon = {parent for down in parents.values() for parent in down}
    heads = sorted(set(parents) - built_upon)
    if len(heads) != 1:
        raise MigrationError(f"expected one newest migration, found {heads or 'none'}")
    return heads[0]


def _module_constants(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """Literal values assigned to ``names`` at the top level of a Python file."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        # Both ``revision = "0002"`` and the annotated ``revision: str = "0002"``.
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            found[target.id] = ast.literal_eval(value)
    return found


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None before the first migration."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise MigrationError(f"database has several revisions at once: {', '.join(sorted(rows))}")
    return rows[0] if rows else None


def read_revision(url: str | URL) -> str | None:
    """The database's revision, read without writing anything.

    A SQLite file that does not exist is a database at no revision; it is
    not created.
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return None
    engine = make_readonly_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class MigrationResult:
    database: str
    before: str | None
    after: str | None
    applied: tuple[tuple[str, str], ...] = ()
    """(revision, description) of each migration run, oldest first."""

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade(url: str | URL, revision: str = "head") -> MigrationResult:
    """Upgrade the database to ``revision`` (default: the newest one).

    Running it again once the database is there does nothing. A SQLite
    file and its directory are created when missing.
    """
    from alembic import command
    from alembic.util import CommandError

    script = script_directory()
    # Check the target before touching the database, so that a typo does not
    # leave an empty database file behind.
    try:
        script.get_revisions(revision)
    except CommandError:
        known = ", ".join(sorted(r.revision for r in script.walk_revisions()))
        raise MigrationError(
            f"unknown revision {revision!r} (known revisions: {known}, or 'head')"
        ) from None

    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            before = current_revision(connection)
            if before is not None and _unknown(script, before):
                raise MigrationError(
                    f"database is at revision {before}, which these migrations do not "
                    "contain; a newer release has probably migrated it"
                )
            if before is not None and _is_newer(script, before, than=revision):
                raise MigrationError(
                    f"database is at revision {before}, past {revision}; this command only upgrades"
                )
            command.upgrade(alembic_config(connection), revision)
            after = current_revision(connection)
    finally:
        engine.dispose()
    applied = [] if after == before else script.iterate_revisions(after, before or "base")
    steps = tuple((r.revision, (r.doc or "").strip()) for r in reversed(list(applied)))
    return MigrationResult(describe(url), before, after, steps)


def _unknown(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        script.get_revision(revision)
    except CommandError:
        return True
    return False


def _is_newer(script: ScriptDirectory, revision: str, *, than: str) -> bool:
    """Whether ``revision`` descends from the target ``than``."""
    targets = script.get_revisions(than)
    if not targets:  # "base": every revision is newer
        return True
    target = targets[0]
    if target is None or target.revision == revision:
        return False
    ancestors = {r.revision for r in script.iterate_revisions(revision, "base")}
    return target.revision in ancestors


@dataclass(frozen=True)
class Readiness:
    ready: bool
    revision: str | None = None
    reason: str | None = None


class ReadinessCheck:
    """Whether the database is reachable and its schema is the one this code expects.

    A process that serves requests against a schema it was not written for
    fails in confusing ways; saying "not ready" lets the load balancer and
    the deploy tool hold traffic until ``migrate`` has run.
    """

    def __init__(self, url: str, expected: str) -> None:
        self.url = url
        self.expected = expected
        self._path = sqlite_file(url)
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._last: Readiness | None = None

    def check(self) -> Readiness:
        result = self._check()
        if result != self._last:
            # Log changes only: load balancers ask every few seconds.
            self._last = result
            if result.ready:
                log.info("ready: database at revision %s", result.revision)
            else:
                log.warning("not ready: %s", result.reason)
        return result

    def _check(self) -> Readiness:
        if self._path is not None and not self._path.exists():
            return Readiness(False, reason=f"database file {self._path} does not exist")
        try:
            with self._get_engine().connect() as connection:
                revision = current_revision(connection)
        except Exception as exc:  # anything, from a missing driver to DNS, must become a 503
            log.debug("readiness check failed", exc_info=True)
            return Readiness(False, reason=f"cannot read database revision: {describe_error(exc)}")
        if revision != self.expected:
            return Readiness(
                False,
                revision=revision,
                reason=f"database at revision {revision}, expected {self.expected}",
            )
        return Readiness(True, revision=revision)

    def _get_engine(self) -> Engine:
        # Built on first use so that a missing database driver shows up as a
        # failed check instead of a worker that will not start.
        with self._lock:
            if self._engine is None:
                self._engine = make_readonly_engine(self.url)
            return self._engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
