"""plainvm.asgi.app_state: the app's state on a host, read in one round trip."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.modules import collection, run

ROOT = Path(__file__).resolve().parents[1]
app_state = collection("module_utils.app_state")
app_state_module = collection("modules.app_state")


def run_module(
    args: dict[str, Any], capsys: pytest.CaptureFixture[str], check: bool = False
) -> dict[str, Any]:
    return run(app_state_module, args, capsys, check)


def no_app(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """systemd without the app's process; the calls made to it."""
    calls: list[tuple[str, list[str]]] = []

    def properties(unit: str, names: list[str]) -> dict[str, str]:
        calls.append((unit, names))
        return {"MainPID": "0", "ExecMainStartTimestampMonotonic": "0"}

    monkeypatch.setattr(app_state, "systemd_properties", properties)
    return calls


def make_tree(root: Path) -> None:
    releases = root / "releases"
    for name in ("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"):
        (releases / name).mkdir(parents=True)
    (releases / "aaaaaaaaaaaa" / ".ready").touch()
    (releases / "bbbbbbbbbbbb" / ".ready").touch()
    os.utime(releases / "aaaaaaaaaaaa" / ".ready", (1000, 1000))
    os.utime(releases / "bbbbbbbbbbbb" / ".ready", (2000, 2000))
    os.utime(releases / "cccccccccccc", (3000, 3000))
    # Not releases: a link, a file, a name no release has.
    (releases / "linked").symlink_to(releases / "aaaaaaaaaaaa")
    (releases / "notes.txt").write_text("")
    (releases / ".hidden").mkdir()
    (root / "current").symlink_to("releases/bbbbbbbbbbbb")
    (root / "previous").symlink_to("releases/aaaaaaaaaaaa")
    backups = root / "backups"
    (backups / "20261128T201000Z-bbbbbbbbbbbb").mkdir(parents=True)
    (backups / "20261128T200000Z-aaaaaaaaaaaa").mkdir()
    (backups / "not-a-backup").mkdir()


def test_the_links_releases_backups_and_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path)
    record = {"switches": [{"from": "aaaaaaaaaaaa", "to": "bbbbbbbbbbbb"}], "pending": None}
    (tmp_path / "switches.json").write_text(json.dumps(record))
    calls = no_app(monkeypatch)
    state = run_module(
        {
            "root": str(tmp_path),
            "backups": str(tmp_path / "backups"),
            "unit": "app.service",
            "changed": [str(tmp_path / "secrets.env")],
        },
        capsys,
    )
    assert state["changed"] is False
    assert state["current"] == "bbbbbbbbbbbb"
    assert state["previous"] == "aaaaaaaaaaaa"
    assert state["releases"] == [
        {"id": "aaaaaaaaaaaa", "ready": True, "time": 1000},
        {"id": "bbbbbbbbbbbb", "ready": True, "time": 2000},
        {"id": "cccccccccccc", "ready": False, "time": 3000},
    ]
    assert state["backups"] == ["20261128T200000Z-aaaaaaaaaaaa", "20261128T201000Z-bbbbbbbbbbbb"]
    assert state["history"] == record
    assert state["ansible_facts"]["switch_record"] == record
    assert state["restore"] is None
    assert state["restart_pending"] is False
    assert state["serving"] == {"pid": 0, "release": "", "stale": False}
    assert calls == [("app.service", ["MainPID", "ExecMainStartTimestampMonotonic"])]


def test_a_new_host_reads_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_app(monkeypatch)
    args = {"root": str(tmp_path), "backups": str(tmp_path / "b"), "unit": "app.service"}
    state = run_module(args, capsys, check=True)
    assert state["current"] == state["previous"] == ""
    assert state["releases"] == [] and state["backups"] == []
    assert state["history"] == {"switches": [], "pending": None}
    assert os.listdir(tmp_path) == []


def test_a_restore_asked_for_and_a_restart_owed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_app(monkeypatch)
    restore = {"backup": "20261128T201000Z-bbbbbbbbbbbb", "databases": [], "release": "a"}
    (tmp_path / "restore.json").write_text(json.dumps(restore))
    (tmp_path / "restart-pending").write_text("{}\n")
    args = {"root": str(tmp_path), "backups": str(tmp_path / "b"), "unit": "app.service"}
    state = run_module({**args, "restart_pending": str(tmp_path / "restart-pending")}, capsys)
    assert state["restore"] == restore
    assert state["restart_pending"] is True


def test_the_running_app_serves_its_release_and_is_stale_after_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This test's own process stands in for the app's, started a second ago.
    started_us = int((app_state.time.monotonic() - 1) * 1e6)

    def properties(unit: str, names: list[str]) -> dict[str, str]:
        return {"MainPID": str(os.getpid()), "ExecMainStartTimestampMonotonic": str(started_us)}

    monkeypatch.setattr(app_state, "systemd_properties", properties)
    monkeypatch.setattr(app_state, "environment", lambda pid: {b"APP_RELEASE": b"bbbbbbbbbbbb"})
    unit = tmp_path / "app.service"
    unit.write_text("")
    os.utime(unit, (0, 0))
    assert app_state.serving("app.service", [str(unit)]) == {
        "pid": os.getpid(),
        "release": "bbbbbbbbbbbb",
        "stale": False,
    }
    os.utime(unit)
    assert app_state.serving("app.service", [str(unit)])["stale"] is True
    assert app_state.serving("app.service", [str(tmp_path / "missing")])["stale"] is False


def test_a_damaged_record_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_app(monkeypatch)
    (tmp_path / "switches.json").write_text("[]")
    args = {"root": str(tmp_path), "backups": str(tmp_path / "b"), "unit": "app.service"}
    result = run_module(args, capsys)
    assert result["failed"] is True
    assert "not a record of switches" in result["msg"]
