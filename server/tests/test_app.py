from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import server.app
from server.app import create_app
from server.db.migrations import head_revision, read_revision, upgrade

HEAD = "0002"


def migrate(revision: str = "head") -> None:
    upgrade(os.environ.get("DATABASE_URL") or _default_url(), revision)


def _default_url() -> str:
    return f"sqlite:///{Path(os.environ['STATE_DIRECTORY']) / 'server.db'}"


def test_index_reports_release_host_pid_and_client(
    monkeypatch: pytest.MonkeyPatch, state_dir: Path
) -> None:
    monkeypatch.setenv("APP_RELEASE", "r-123")
    with TestClient(create_app()) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {
        "release": "r-123",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "client": "testclient",
    }
    assert response.headers["cache-control"] == "no-store"


def test_index_release_defaults_to_dev(client: TestClient) -> None:
    assert client.get("/").json()["release"] == "dev"


def test_index_does_not_touch_the_database(client: TestClient, state_dir: Path) -> None:
    assert client.get("/").status_code == 200
    assert not state_dir.exists()


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_path_is_404(client: TestClient) -> None:
    assert client.get("/nope").status_code == 404


def test_readyz_before_migrate_is_503_and_creates_nothing(
    client: TestClient, state_dir: Path
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert "does not exist" in body["reason"]
    # Neither the database file nor its directory may appear as a side effect.
    assert not state_dir.exists()


def test_readyz_with_empty_database_names_the_revision(client: TestClient, db_file: Path) -> None:
    db_file.parent.mkdir()
    sqlite3.connect(db_file).close()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "reason": f"database at revision None, expected {HEAD}",
    }


def test_readyz_after_migrate_is_200(client: TestClient, db_file: Path) -> None:
    migrate()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "revision": HEAD}


def test_readyz_at_older_revision_is_503(client: TestClient, db_file: Path) -> None:
    migrate("0001")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == f"database at revision 0001, expected {HEAD}"


def test_readyz_turns_ready_once_migrated(client: TestClient, db_file: Path) -> None:
    assert client.get("/readyz").status_code == 503
    migrate()
    assert client.get("/readyz").status_code == 200


def test_readyz_does_not_change_the_database(client: TestClient, db_file: Path) -> None:
    migrate("0001")
    assert client.get("/readyz").status_code == 503
    assert read_revision(f"sqlite:///{db_file}") == "0001"


def test_readyz_on_a_file_that_is_not_a_database(client: TestClient, db_file: Path) -> None:
    db_file.parent.mkdir()
    db_file.write_bytes(b"this is not sqlite" * 100)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("cannot read database revision:")


def test_readyz_in_a_directory_that_does_not_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    with TestClient(create_app()) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert not (tmp_path / "no").exists()


def test_readyz_with_missing_driver_is_503_without_leaking_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://app:s3cret@127.0.0.1:1/app")
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # as if it were not installed
    # The app starts anyway: liveness holds, readiness explains.
    with TestClient(create_app()) as client:
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert response.status_code == 503
    assert "driver" in response.json()["reason"]
    assert "s3cret" not in response.text


def test_readyz_when_database_cannot_be_opened(client: TestClient, db_file: Path) -> None:
    db_file.mkdir(parents=True)  # exists, but no database can be opened there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("cannot read database revision:")


def test_readyz_is_not_blocked_by_a_writer(client: TestClient, db_file: Path) -> None:
    """WAL mode: readers go on while another process holds the write lock."""
    migrate()
    writer = sqlite3.connect(db_file, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("INSERT INTO visits (path, release) VALUES ('/', 'test')")
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200
    # Without WAL the read would wait out the busy timeout (5 s) and fail.
    assert elapsed < 2


def test_database_url_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_file: Path
) -> None:
    other = tmp_path / "elsewhere" / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{other}")
    migrate()
    with TestClient(create_app()) as client:
        assert client.get("/readyz").status_code == 200
    assert other.exists()
    assert not db_file.exists()


def test_state_directory_list_uses_first_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    monkeypatch.setenv("STATE_DIRECTORY", f"{first}:{second}")
    upgrade(f"sqlite:///{first / 'server.db'}")
    with TestClient(create_app()) as client:
        assert client.get("/readyz").json() == {"status": "ready", "revision": HEAD}
    assert not second.exists()


def test_create_app_builds_a_new_app_each_call(
    monkeypatch: pytest.MonkeyPatch, state_dir: Path
) -> None:
    monkeypatch.setenv("APP_RELEASE", "one")
    first = create_app()
    monkeypatch.setenv("APP_RELEASE", "two")
    second = create_app()
    assert isinstance(first, Starlette)
    assert first is not second
    with TestClient(first) as a, TestClient(second) as b:
        assert a.get("/").json()["release"] == "one"
        assert b.get("/").json()["release"] == "two"


def test_module_level_app_serves() -> None:
    assert isinstance(server.app.app, Starlette)
    with TestClient(server.app.app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_packaged_head_is_the_newest_migration() -> None:
    assert head_revision() == HEAD
