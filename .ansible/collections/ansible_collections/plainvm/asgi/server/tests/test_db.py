from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from server import db

HEAD = "0002"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////srv/app/server.db", Path("/srv/app/server.db")),
        ("sqlite:///file:/srv/app/server.db?mode=ro&uri=true", Path("/srv/app/server.db")),
        ("sqlite:///file:///srv/app/a%20b.db?uri=true", Path("/srv/app/a b.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file::memory:?cache=shared&uri=true", None),
        ("sqlite:///file:mem1?mode=memory&uri=true", None),
        ("postgresql://app@localhost/app", None),
    ],
)
def test_sqlite_file(url: str, expected: Path | None) -> None:
    assert db.sqlite_file(url) == expected


def test_relative_sqlite_file_is_against_working_directory() -> None:
    assert db.sqlite_file("sqlite:///data/app.db") == Path.cwd() / "data" / "app.db"


def test_describe_hides_password() -> None:
    described = db.describe("postgresql://app:s3cret@db.internal:5432/app")
    assert "s3cret" not in described
    assert "db.internal" in described


def test_readonly_engine_handles_awkward_paths(tmp_path: Path) -> None:
    path = tmp_path / "dir with space?and#hash%" / "server.db"
    url = f"sqlite:///{path}"
    assert db.read_revision(url) is None
    assert not path.parent.exists()
    db.upgrade(url)
    assert db.read_revision(url) == HEAD


def test_readiness_check_reports_each_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    check = db.ReadinessCheck(url, HEAD)
    try:
        assert check.check().ready is False
        db.upgrade(url, "0001")
        result = check.check()
        assert (result.ready, result.revision) == (False, "0001")
        db.upgrade(url)
        assert check.check() == db.Readiness(True, HEAD)
    finally:
        check.close()


def test_migrations_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(db.alembic_config(connection), "0001")
            assert db.current_revision(connection) == "0001"
            columns = {c[1] for c in connection.exec_driver_sql("PRAGMA table_info(visits)")}
            assert "client" not in columns
            command.downgrade(db.alembic_config(connection), "base")
            assert db.current_revision(connection) is None
            tables = connection.exec_driver_sql("SELECT name FROM sqlite_master").fetchall()
            assert ("visits",) not in tables
    finally:
        engine.dispose()
    assert db.upgrade(url).applied == (
        ("0001", "Create the visits table."),
        ("0002", "Record the client address of a visit and index visits by time."),
    )


def test_head_revision_agrees_with_alembic() -> None:
    assert db.head_revision() == db.script_directory().get_current_head() == HEAD


def test_current_revision_agrees_with_alembic(tmp_path: Path) -> None:
    from alembic.runtime.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = db.make_engine(url)
    try:
        for target in ("0001", "0002"):
            db.upgrade(url, target)
            with engine.connect() as connection:
                ours = db.current_revision(connection)
                theirs = MigrationContext.configure(connection).get_current_revision()
            assert ours == theirs == target
    finally:
        engine.dispose()


def test_head_revision_follows_the_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "__init__.py").write_text("")
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "c.py").write_text('revision: str = "c"\ndown_revision: str = "b"\n')
    (versions / "b.py").write_text('revision = "b"\ndown_revision = "a"\n')
    monkeypatch.setattr(db, "VERSIONS_DIR", versions)
    assert db.head_revision() == "c"
    # A second branch from "a" leaves two heads, which is refused.
    (versions / "d.py").write_text('revision = "d"\ndown_revision = "a"\n')
    with pytest.raises(db.MigrationError, match="one newest migration"):
        db.head_revision()
    # A merge revision joins them again.
    (versions / "e.py").write_text('revision = "e"\ndown_revision = ("c", "d")\n')
    assert db.head_revision() == "e"


def test_serving_does_not_load_alembic(tmp_path: Path) -> None:
    """The HTTP workers stay lean: Alembic is only for ``migrate``."""
    code = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from server.app import create_app\n"
        "with TestClient(create_app()) as client:\n"
        "    assert client.get('/readyz').status_code == 503\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    env = {**os.environ, "STATE_DIRECTORY": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
