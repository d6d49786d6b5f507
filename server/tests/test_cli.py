from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import main
from server.db.migrations import read_revision

HEAD = "0002"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def test_migrate_creates_directory_and_database(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    code, out, err = run(capsys, "migrate")
    assert code == 0, err
    assert f"Migrated {db_file} from revision None to {HEAD}" in out
    assert "Applied 0001:" in out and "Applied 0002:" in out
    assert tables(db_file) == {"alembic_version", "visits"}
    assert read_revision(f"sqlite:///{db_file}") == HEAD


def test_migrate_puts_sqlite_in_wal_mode(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    assert run(capsys, "migrate")[0] == 0
    with sqlite3.connect(db_file) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_migrate_twice_is_a_no_op(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    assert run(capsys, "migrate")[0] == 0
    with sqlite3.connect(db_file) as connection:
        connection.execute("INSERT INTO visits (path, release) VALUES ('/', 'test')")
    code, out, err = run(capsys, "migrate")
    assert code == 0, err
    assert out.strip() == f"{db_file} is already at revision {HEAD}; nothing to do"
    with sqlite3.connect(db_file) as connection:
        assert connection.execute("SELECT count(*) FROM visits").fetchone() == (1,)
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_migrate_to_a_revision_then_to_head(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    code, out, _ = run(capsys, "migrate", "--revision", "0001")
    assert code == 0
    assert "from revision None to 0001" in out
    assert run(capsys, "current")[1].strip() == "0001"
    code, out, _ = run(capsys, "migrate")
    assert code == 0
    assert "from revision 0001 to 0002" in out
    assert "Applied 0001" not in out


def test_unknown_revision_fails_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], state_dir: Path
) -> None:
    code, out, err = run(capsys, "migrate", "--revision", "9999")
    assert code != 0
    assert out == ""
    assert "unknown revision '9999'" in err
    assert not state_dir.exists()


def test_migrate_does_not_go_backwards(capsys: pytest.CaptureFixture[str], db_file: Path) -> None:
    assert run(capsys, "migrate")[0] == 0
    code, _, err = run(capsys, "migrate", "--revision", "0001")
    assert code == 1
    assert "past 0001" in err
    assert read_revision(f"sqlite:///{db_file}") == HEAD


def test_migrate_refuses_a_database_from_a_newer_release(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    assert run(capsys, "migrate")[0] == 0
    with sqlite3.connect(db_file) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    code, _, err = run(capsys, "migrate")
    assert code == 1
    assert "revision 0099" in err


def test_migrate_honours_database_url(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    db_file: Path,
) -> None:
    other = tmp_path / "data" / "nested" / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{other}")
    assert run(capsys, "migrate")[0] == 0
    assert tables(other) == {"alembic_version", "visits"}
    assert not db_file.exists()


def test_migrate_reports_a_database_it_cannot_open(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    db_file.parent.mkdir()
    db_file.write_bytes(b"garbage" * 1000)
    code, out, err = run(capsys, "migrate")
    assert code == 1
    assert out == ""
    assert err.startswith("python -m server migrate: error:")
    assert "Traceback" not in err


def test_current_on_a_missing_database_prints_none_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], state_dir: Path
) -> None:
    code, out, _ = run(capsys, "current")
    assert code == 0
    assert out == "None\n"
    assert not state_dir.exists()


def test_invalid_settings_exit_non_zero(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, state_dir: Path
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(SystemExit) as info:
        main(["current"])
    assert info.value.code == 2
    assert "LOG_LEVEL" in capsys.readouterr().err


def test_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_python_dash_m_server(tmp_path: Path) -> None:
    """The entry point as the deploy tool runs it, in a separate process."""
    state = tmp_path / "svc-state"
    env = {**os.environ, "STATE_DIRECTORY": f"{state}:{tmp_path}/logs"}

    def server(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = server("migrate")
    assert first.returncode == 0, first.stderr
    assert f"from revision None to {HEAD}" in first.stdout
    second = server("migrate")
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout
    assert server("current").stdout == f"{HEAD}\n"
    bad = server("migrate", "--revision", "nope")
    assert bad.returncode == 1
    assert "unknown revision 'nope'" in bad.stderr
    assert (state / "server.db").exists()
