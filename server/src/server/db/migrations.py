"""Schema migrations: the packaged Alembic scripts, and the database's revision.

Alembic is driven from code, not from an ``alembic.ini``: the migration
scripts ship inside the package, so the installed wheel is all a host needs
to bring its database up to date.

Only ``upgrade`` and the helpers it calls need Alembic itself, so it is
imported there and nowhere else: the HTTP workers, which only compare
revisions (``head_revision``, ``current_revision``), stay about 10 MB
smaller each without it (and the Mako templates it brings along).
"""

from __future__ import annotations

import ast
import hashlib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection

from server.db.engine import describe, engine_url, make_engine, make_readonly_engine, sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The Alembic environment and scripts: server/migrations in the package.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
# Alembic's default bookkeeping table, which env.py keeps.
VERSION_TABLE = "alembic_version"

# The PostgreSQL advisory lock that ``upgrade`` holds, a signed 64-bit key
# derived from the app's name: every host that runs this app uses the same
# one, so migrations of a shared database run one at a time. Advisory locks
# belong to one database, so apps that share a server but not a database do
# not get in each other's way.
MIGRATION_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"plainvm-server migrate").digest()[:8], "big", signed=True
)


class MigrationError(RuntimeError):
    """A migration cannot be run as asked."""


class MigrationLocked(MigrationError):
    """Another process is migrating the same database right now."""


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
    parents = _revision_parents()
    built_upon = {parent for down in parents.values() for parent in down}
    heads = sorted(set(parents) - built_upon)
    if len(heads) != 1:
        raise MigrationError(f"expected one newest migration, found {heads or 'none'}")
    return heads[0]


def known_revisions() -> frozenset[str]:
    """Every revision of the packaged migrations, read as head_revision() does."""
    return frozenset(_revision_parents())


def _revision_parents() -> dict[str, tuple[str, ...]]:
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
    return parents


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
    file and its directory are created when missing. On PostgreSQL it holds
    the migration lock throughout, and raises ``MigrationLocked`` at once when
    another process holds it.
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

    engine = make_engine(_named_url(url))
    try:
        with engine.connect() as connection, _migration_lock(connection), connection.begin():
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


def _named_url(url: str | URL) -> URL:
    """URL with a PostgreSQL ``application_name`` naming this host, unless it sets one.

    Whoever finds the migration lock taken is told which host holds it.
    """
    u = engine_url(url)
    if u.get_backend_name() != "postgresql" or "application_name" in u.query:
        return u
    # PostgreSQL keeps the first 63 bytes of the name.
    return u.update_query_dict({"application_name": f"server migrate on {socket.gethostname()}"})


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the database's migration lock, or fail at once when another process holds it.

    Only on PostgreSQL, where several hosts share one database. A SQLite file
    belongs to one host, and its own write lock already keeps two migrations
    apart there.

    The lock is the session's, not a transaction's, so it covers whatever
    transactions the migrations run in; it is released here, and by the
    server when the connection drops, so a killed ``migrate`` never leaves it
    behind. A second ``migrate`` fails instead of waiting: it would only find
    the work done, or tie up a deploy for as long as the first one takes, and
    two deploys migrating at once is something the operator should hear of.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    key = {"key": MIGRATION_LOCK_KEY}
    locked = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar_one()
    holder = "" if locked else _lock_holder(connection)
    # End the transaction the query began; the session keeps the lock.
    connection.commit()
    if not locked:
        raise MigrationLocked(
            f"another migration of this database is running{holder}: it holds the migration "
            f"lock (PostgreSQL advisory lock {MIGRATION_LOCK_KEY}); try again once it has finished"
        )
    try:
        yield
    finally:
        # A connection that broke has taken the lock with it.
        if not connection.invalidated:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
            connection.commit()


def _lock_holder(connection: Connection) -> str:
    """Who holds the migration lock, as " (host, PostgreSQL process)"; "" if it is not seen."""
    # pg_locks shows a 64-bit advisory key as two unsigned halves (objsubid 1).
    unsigned = MIGRATION_LOCK_KEY % 2**64
    row = connection.execute(
        text(
            "SELECT l.pid, a.application_name FROM pg_locks l"
            " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid::bigint = :high AND l.objid::bigint = :low"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF},
    ).first()
    if row is None:
        return ""
    pid, application = row
    # Other database users' application names are hidden from this one.
    if not application:
        return f" (PostgreSQL process {pid})"
    return f" ({application}, PostgreSQL process {pid})"


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
