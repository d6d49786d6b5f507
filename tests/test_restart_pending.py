"""The note of a restart that the app owes: read with the rest of its state."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The module finds its helpers by the collection's name, as on a host: the
# checkout is the collection plainvm.asgi in .venv/ansible_collections (make venv).
sys.path.insert(0, str(ROOT / ".venv"))
APP_STATE = importlib.import_module(
    "ansible_collections.plainvm.asgi.plugins.module_utils.app_state"
)


def read_state(
    root: Path, monkeypatch: pytest.MonkeyPatch, restart_pending: str = ""
) -> dict[str, Any]:
    # No systemd here: the running app is not what these tests look at.
    monkeypatch.setattr(
        APP_STATE, "serving", lambda unit, changed: {"pid": 0, "release": "", "stale": False}
    )
    result: dict[str, Any] = APP_STATE.read_state(
        root, root / "backups", "app.service", [], restart_pending
    )
    return result


def test_a_note_left_by_a_stopped_run_is_a_restart_owed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "restart-pending"
    note.write_text('{"files": ["/etc/app/secrets.env"]}\n')
    state = read_state(tmp_path, monkeypatch, str(note))
    assert state["restart_pending"] is True


def test_no_note_no_restart_owed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = read_state(tmp_path, monkeypatch, str(tmp_path / "restart-pending"))
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
    state = read_state(tmp_path, monkeypatch, str(tmp_path / "restart-pending"))
    assert state["restart_pending"] is False
