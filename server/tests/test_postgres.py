"""The server on a real PostgreSQL: URLs, migrations and their lock, readiness, the app.

Each test gets a new database in the session's throwaway cluster (conftest's
``postgres`` and ``pg_url``); nothing is mocked.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from server.app import create_app
from server.cli import EXIT_LOCKED, main
from server.db import engine, migrations
from server.db.migrations import MIGRATION_LOCK_KEY, read_revision, upgrade
from server.db.readiness import Readiness, ReadinessCheck
from server.settings import Settings

HEAD = "0002"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """A psycopg connection of the test's own to the database of URL, beside the code tested."""
    u = make_url(url)
    host = u.query["host"]
    assert isinstance(host, str)
    return psycopg.connect(host=host, dbname=u.database, user=u.username, autocommit=True, **kwargs)


def with_password(url: str, password: str) -> str:
    # Trust authentication: the cluster takes any password, so it can be checked for leaks.
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def test_postgresql_url_is_opened_with_psycopg() -> None:
    url = "postgresql://app:s3cret@db.internal/app"
    assert engine.engine_url(url).drivername == "postgresql+psycopg"
    assert engine.make_engine(url).dialect.driver == "psycopg"
    assert engine.make_readonly_engine(url).dialect.driver == "psycopg"
    # The settings keep the URL as given; only the engines pick the driver.
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url
    # A URL that names its driver, and other databases, are left alone.
    for kept in ("postgresql+psycopg2://app@db/app", "sqlite:////srv/app.db", "mysql://a@b/c"):
        assert engine.engine_url(kept) == make_url(kept)


def test_descriptions_name_the_driver_and_hide_the_password() -> None:
    described = engine.describe("postgresql://app:s3cret@db.internal:5432/app")
    assert described == "postgresql+psycopg://app:***@db.internal:5432/app"


def test_migrate_a_new_database_to_head(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    url = with_password(pg_url, "s3cret")
    monkeypatch.setenv("DATABASE_URL", url)
    code, out, err = run(capsys, "migrate")
    assert code == 0, err
    assert "Applied 0001:" in out and "Applied 0002:" in out
    assert f"from revision None to {HEAD}" in out
    assert "postgresql+psycopg://postgres:***@/" in out
    assert "s3cret" not in out + err
    assert read_revision(pg_url) == HEAD

    db = engine.make_engine(pg_url)
    try:
        with db.connect() as connection:
            schema = inspect(connection)
            assert set(schema.get_table_names()) == {"alembic_version", "visits"}
            columns = {c["name"]: str(c["type"]) for c in schema.get_columns("visits")}
            indexes = {i["name"]: i["column_names"] for i in schema.get_indexes("visits")}
    finally:
        db.dispose()
    assert columns == {
        "id": "INTEGER",
        "created_at": "TIMESTAMP",  # with time zone: checked through a row below
        "path": "VARCHAR(2048)",
        "release": "VARCHAR(128)",
        "client": "VARCHAR(45)",
    }
    assert indexes == {"ix_visits_created_at": ["created_at"]}


def test_migrate_twice_is_a_no_op(pg_url: str) -> None:
    assert upgrade(pg_url).changed
    db = engine.make_engine(pg_url)
    try:
        with db.begin() as connection:
            connection.execute(text("INSERT INTO visits (path, release) VALUES ('/', 'test')"))
        again = upgrade(pg_url)
        with db.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM visits")).scalar_one() == 1
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [HEAD]
    finally:
        db.dispose()
    assert (again.changed, again.applied, again.after) == (False, (), HEAD)


def test_a_second_migrate_fails_at_once_while_another_holds_the_lock(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", pg_url)
    # The first migration, as another host would hold it: its own session.
    with connect(pg_url, application_name="server migrate on app1") as first:
        taken = first.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        assert taken.fetchone() == (True,)
        started = time.monotonic()
        code, out, err = run(capsys, "migrate")
        elapsed = time.monotonic() - started
        assert code == EXIT_LOCKED == 75
        assert out == ""
        assert err.startswith(
            "python -m server migrate: error: another migration of this database is running "
            "(server migrate on app1, PostgreSQL process "
        )
        assert "holds the migration lock" in err
        assert len(err.strip().splitlines()) == 1
        assert elapsed < 3  # it did not wait for the lock
        # Nothing was written meanwhile.
        assert read_revision(pg_url) is None
        with pytest.raises(migrations.MigrationLocked):
            upgrade(pg_url)
    # Once the first session is gone, the lock is free again.
    code, out, err = run(capsys, "migrate")
    assert code == 0, err
    assert read_revision(pg_url) == HEAD


def test_migrate_releases_the_lock_when_done_or_failed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
) -> None:
    def lock_is_free() -> bool:
        with connect(pg_url) as other:
            row = other.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
            return bool(row.fetchone() == (True,))

    upgrade(pg_url)
    assert lock_is_free()
    # A failure inside the lock: a database migrated by a newer release.
    with connect(pg_url) as other:
        other.execute("UPDATE alembic_version SET version_num = '0099'")
    monkeypatch.setenv("DATABASE_URL", pg_url)
    code, _, err = run(capsys, "migrate")
    assert code == 1
    assert "revision 0099" in err
    assert lock_is_free()


def test_a_running_migrate_is_named_to_the_second_one(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
) -> None:
    """Two real ``migrate`` runs at once: the second is told the first one's host."""
    upgrade(pg_url, "0001")
    monkeypatch.setenv("DATABASE_URL", pg_url)
    first: list[migrations.MigrationResult] = []
    with connect(pg_url) as blocker:
        # Hold the table, so that the first migration stops at 0002's ALTER TABLE
        # while it holds the migration lock.
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE visits")
        thread = threading.Thread(target=lambda: first.append(upgrade(pg_url)))
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not lock_is_held(blocker):
                assert time.monotonic() < deadline, "the first migration never took the lock"
                time.sleep(0.05)
            code, _, err = run(capsys, "migrate")
        finally:
            blocker.execute("ROLLBACK")
            thread.join(timeout=60)
    assert code == EXIT_LOCKED
    assert f"(server migrate on {socket.gethostname()}"[:60] in err
    assert [(r.before, r.after) for r in first] == [("0001", HEAD)]


def lock_is_held(connection: psycopg.Connection[Any]) -> bool:
    row = connection.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).fetchone()
    return row is not None and row[0] > 0


def test_migrations_downgrade_to_base_and_back(pg_url: str) -> None:
    """The downgrades run on PostgreSQL too, batch mode included."""
    upgrade(pg_url)
    db = engine.make_engine(pg_url)
    try:
        with db.begin() as connection:
            command.downgrade(migrations.alembic_config(connection), "0001")
            columns = {c["name"] for c in inspect(connection).get_columns("visits")}
            assert "client" not in columns
            command.downgrade(migrations.alembic_config(connection), "base")
            assert migrations.current_revision(connection) is None
            assert not inspect(connection).has_table("visits")
    finally:
        db.dispose()
    assert upgrade(pg_url).after == HEAD


def test_readiness_follows_the_migrations(pg_url: str) -> None:
    check = ReadinessCheck(pg_url, HEAD)
    try:
        assert check.check() == Readiness(
            False, reason=f"database at revision None, expected {HEAD}"
        )
        upgrade(pg_url, "0001")
        assert check.check() == Readiness(
            False, revision="0001", reason=f"database at revision 0001, expected {HEAD}"
        )
        upgrade(pg_url)
        assert check.check() == Readiness(True, HEAD)
    finally:
        check.close()


def test_readiness_when_the_server_cannot_be_reached(
    tmp_path: Path,
) -> None:
    # A directory with no server's socket in it: refused at once.
    url = f"postgresql://app:s3cret@/app?host={tmp_path}"
    check = ReadinessCheck(url, HEAD)
    try:
        result = check.check()
    finally:
        check.close()
    assert result.ready is False
    assert result.reason is not None
    assert result.reason.startswith("cannot read database revision:")
    assert "s3cret" not in result.reason


def test_readiness_connections_cannot_write(pg_url: str) -> None:
    upgrade(pg_url)
    looking = engine.make_readonly_engine(pg_url)
    try:
        with looking.connect() as connection, pytest.raises(DBAPIError, match="read-only"):
            connection.execute(text("INSERT INTO visits (path, release) VALUES ('/', 'x')"))
    finally:
        looking.dispose()


def test_the_app_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, pg_url: str
) -> None:
    url = with_password(pg_url, "s3cret")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("APP_RELEASE", "r-pg")
    with TestClient(create_app()) as client:
        assert client.get("/readyz").status_code == 503
        upgrade(url)
        ready = client.get("/readyz")
        index = client.get("/")
    assert ready.json() == {"status": "ready", "revision": HEAD}
    assert index.json() == {
        "release": "r-pg",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "client": "testclient",
    }
    # The start-up log line names the database without its password.
    assert "postgresql+psycopg://postgres:***@/" in caplog.text
    assert "s3cret" not in caplog.text

    # A visit as the app's code would record one: the schema's defaults work here.
    db = engine.make_engine(url)
    try:
        with db.begin() as connection:
            connection.execute(
                text("INSERT INTO visits (path, release, client) VALUES ('/', 'r-pg', '::1')")
            )
        with db.connect() as connection:
            row = connection.execute(text("SELECT created_at, client FROM visits")).one()
    finally:
        db.dispose()
    assert row.client == "::1"
    assert row.created_at.tzinfo is not None
