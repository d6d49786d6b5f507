"""The note of a restart that the app owes: read with the rest of its state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
STATE_TOOL = load_script(ROOT / "roles/app/files/app-state.py", "app_state")


def read_state(root: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict[str, Any]:
    # No systemd here: the running app is not what these tests look at.
    monkeypatch.setattr(
        STATE_TOOL, "serving", lambda unit, changed: {"pid": 0, "release": "", "stale": False}
    )
    args = STATE_TOOL.build_parser().parse_args(
        ["read", f"--root={root}", f"--backups={root / 'backups'}", "--unit=app.service", *extra]
    )
    result: dict[str, Any] = STATE_TOOL.read(args)
    return result


def test_a_note_left_by_a_stopped_run_is_a_restart_owed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "restart-pending"
    note.write_text('{"files": ["/etc/app/secrets.env"]}\n')
    state = read_state(tmp_path, monkeypatch, f"--restart-pending={note}")
    assert state["restart_pending"] is True


def test_no_note_no_restart_owed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = read_state(tmp_path, monkeypatch, f"--restart-pending={tmp_path / 'restart-pending'}")
    assert state["restart_pending"] is False


def test_without_the_option_nothing_is_owed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "restart-pending").write_text("{}\n")
    assert read_state(tmp_path, monkeypatch)["restart_pending"] is False


def test_a_directory_in_its_place_is_no_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "restart-pending").mkdir()
    state = read_state(tmp_path, monkeypatch, f"--restart-pending={tmp_path / 'restart-pending'}")
    assert state["restart_pending"] is False
