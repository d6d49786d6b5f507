"""plainvm.asgi.switch_record: root's record of switches, changed in one place."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.modules import collection, run

ROOT = Path(__file__).resolve().parents[1]
switch_record = collection("modules.switch_record")

# A record as the role's templates wrote it before the module (to_nice_json):
# a rollback that undid a deploy, and a backup that no switch used yet.
TODAYS_RECORD = """{
    "pending": {
        "backup": "20261128T203000Z-cccccccccccc",
        "databases": [
            "app.sqlite3"
        ],
        "live": "aaaaaaaaaaaa",
        "migrated": true,
        "time": "2026-11-28T20:30:00Z"
    },
    "switches": [
        {
            "backup": null,
            "databases": [],
            "from": "",
            "kind": "deploy",
            "time": "2026-11-28T20:00:00Z",
            "to": "aaaaaaaaaaaa"
        },
        {
            "backup": "20261128T201000Z-bbbbbbbbbbbb",
            "databases": [
                "app.sqlite3"
            ],
            "from": "aaaaaaaaaaaa",
            "kind": "deploy",
            "time": "2026-11-28T20:10:00Z",
            "to": "bbbbbbbbbbbb"
        },
        {
            "backup": "20261128T202000Z-aaaaaaaaaaaa",
            "databases": [
                "app.sqlite3"
            ],
            "from": "bbbbbbbbbbbb",
            "kind": "rollback",
            "restored": null,
            "time": "2026-11-28T20:20:00Z",
            "to": "aaaaaaaaaaaa",
            "undoes": "20261128T201000Z-bbbbbbbbbbbb",
            "undoes_databases": [
                "app.sqlite3"
            ],
            "undoes_time": "2026-11-28T20:10:00Z"
        }
    ]
}"""


def run_module(
    args: dict[str, Any], capsys: pytest.CaptureFixture[str], check: bool = False
) -> dict[str, Any]:
    return run(switch_record, args, capsys, check)


def on_disk(path: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def test_a_host_without_a_record_reads_an_empty_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    result = run_module({"path": str(path)}, capsys)
    assert result["record"] == {"switches": [], "pending": None}
    assert result["ansible_facts"]["switch_record"] == result["record"]
    assert result["changed"] is False
    assert not path.exists()


def test_todays_record_reads_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    result = run_module({"path": str(path), "state": "read"}, capsys)
    assert result["record"] == json.loads(TODAYS_RECORD)
    assert result["changed"] is False


def test_the_file_is_written_as_the_templates_wrote_it(tmp_path: Path) -> None:
    # Byte for byte: a host's file from before reads, and compares, the same.
    record = json.loads(TODAYS_RECORD)
    assert switch_record.dump_record(record) == TODAYS_RECORD


def test_a_first_deploy_is_recorded_without_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    args = {"path": str(path), "state": "switched", "kind": "deploy", "to": "aaaaaaaaaaaa"}
    result = run_module({**args, "time": "2026-11-28T20:00:00Z"}, capsys)
    expected: dict[str, Any] = {
        "time": "2026-11-28T20:00:00Z",
        "kind": "deploy",
        "from": "",
        "to": "aaaaaaaaaaaa",
        "backup": None,
        "databases": [],
    }
    assert result["changed"] is True
    assert result["record"] == {"switches": [expected], "pending": None}
    assert on_disk(path) == result["record"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_switch_takes_the_backup_taken_for_leaving_its_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    result = run_module(
        {
            "path": str(path),
            "state": "switched",
            "kind": "deploy",
            "from": "aaaaaaaaaaaa",
            "to": "dddddddddddd",
        },
        capsys,
    )
    last = on_disk(path)["switches"][-1]
    assert last["backup"] == "20261128T203000Z-cccccccccccc"
    assert last["databases"] == ["app.sqlite3"]
    assert last["time"].endswith("Z")
    assert on_disk(path)["pending"] is None
    assert result["record"] == on_disk(path)


def test_a_backup_taken_on_another_release_is_not_the_switchs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    args = {"path": str(path), "state": "switched", "from": "bbbbbbbbbbbb", "to": "dddddddddddd"}
    # A switch found made outside a run keeps it for the release it was taken on.
    run_module({**args, "kind": "found", "keep_pending": True}, capsys)
    record = on_disk(path)
    assert record["switches"][-1]["backup"] is None
    assert record["switches"][-1]["databases"] == []
    assert record["pending"] == json.loads(TODAYS_RECORD)["pending"]
    # A switch of a run drops it.
    run_module({**args, "kind": "deploy"}, capsys)
    assert on_disk(path)["pending"] is None


def test_a_rollback_carries_its_details(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    details = {
        "undoes": "20261128T201000Z-bbbbbbbbbbbb",
        "undoes_databases": ["app.sqlite3"],
        "undoes_time": "2026-11-28T20:10:00Z",
        "restored": None,
    }
    args = {"path": str(path), "state": "switched", "kind": "rollback", "details": details}
    run_module({**args, "from": "aaaaaaaaaaaa", "to": "bbbbbbbbbbbb"}, capsys)
    last = on_disk(path)["switches"][-1]
    assert {key: last[key] for key in details} == details
    assert last["kind"] == "rollback"


def test_the_last_switch_is_marked_restored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    backup = "20261128T201000Z-bbbbbbbbbbbb"
    args = {"path": str(path), "state": "restored", "backup": backup, "to": "aaaaaaaaaaaa"}
    assert run_module(args, capsys)["changed"] is True
    record = on_disk(path)
    assert record["switches"][-1]["restored"] == backup
    assert record["switches"][:-1] == json.loads(TODAYS_RECORD)["switches"][:-1]
    # Once is enough.
    assert run_module(args, capsys)["changed"] is False


def test_a_restore_for_another_release_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    args = {"path": str(path), "state": "restored", "backup": "x", "to": "bbbbbbbbbbbb"}
    result = run_module(args, capsys)
    assert result["failed"] is True
    assert "leads to 'aaaaaaaaaaaa'" in result["msg"]
    assert path.read_text() == TODAYS_RECORD


def test_pending_is_set_and_cleared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "switches.json"
    pending = {"live": "aaaaaaaaaaaa", "backup": "20261128T210000Z-dddddddddddd"}
    result = run_module(
        {"path": str(path), "state": "pending", "pending": pending, "time": "2026-11-28T21:00:00Z"},
        capsys,
    )
    assert result["changed"] is True
    assert on_disk(path)["pending"] == {
        **pending,
        "databases": [],
        "migrated": False,
        "time": "2026-11-28T21:00:00Z",
    }
    assert run_module({"path": str(path), "state": "cleared"}, capsys)["changed"] is True
    assert on_disk(path) == {"switches": [], "pending": None}
    assert run_module({"path": str(path), "state": "cleared"}, capsys)["changed"] is False


def test_a_switch_that_did_not_take_leaves_its_backup_pending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    run_module({"path": str(path), "state": "cleared"}, capsys)
    args = {"path": str(path), "state": "reverted", "to": "aaaaaaaaaaaa"}
    run_module({**args, "keep_backup": True}, capsys)
    record = on_disk(path)
    assert record["switches"] == json.loads(TODAYS_RECORD)["switches"][:-1]
    assert record["pending"] == {
        "live": "bbbbbbbbbbbb",
        "backup": "20261128T202000Z-aaaaaaaaaaaa",
        "databases": ["app.sqlite3"],
        "time": "2026-11-28T20:20:00Z",
        "migrated": True,
    }


def test_a_reverted_rollback_leaves_nothing_pending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    run_module({"path": str(path), "state": "reverted", "keep_backup": False}, capsys)
    assert on_disk(path)["pending"] is None
    assert len(on_disk(path)["switches"]) == 2


def test_the_last_100_switches_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "switches.json"
    switches = [
        {"time": str(n), "kind": "deploy", "from": str(n), "to": str(n + 1)} for n in range(120)
    ]
    path.write_text(json.dumps({"switches": switches, "pending": None}))
    # Reading prunes nothing.
    assert len(run_module({"path": str(path)}, capsys)["record"]["switches"]) == 120
    assert run_module({"path": str(path), "state": "pruned"}, capsys)["changed"] is True
    assert on_disk(path)["switches"] == switches[-100:]
    args = {"path": str(path), "state": "switched", "kind": "deploy", "from": "120", "to": "121"}
    run_module(args, capsys)
    kept = on_disk(path)["switches"]
    assert len(kept) == 100
    assert kept[0] == switches[21]
    assert kept[-1]["to"] == "121"


def test_check_mode_returns_the_record_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    args = {"path": str(path), "state": "switched", "kind": "deploy", "to": "dddddddddddd"}
    result = run_module({**args, "from": "aaaaaaaaaaaa"}, capsys, check=True)
    assert result["changed"] is True
    assert result["record"]["switches"][-1]["to"] == "dddddddddddd"
    assert path.read_text() == TODAYS_RECORD


def test_an_unchanged_record_is_not_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)
    path.chmod(0o600)
    # Nothing to prune, and the mark is there already.
    assert run_module({"path": str(path), "state": "pruned"}, capsys)["changed"] is False
    switches = json.loads(TODAYS_RECORD)["switches"]
    switches[-1]["restored"] = "20261128T201000Z-bbbbbbbbbbbb"
    path.write_text(json.dumps({"switches": switches, "pending": None}, indent=1))
    path.chmod(0o600)
    before = path.stat()
    args = {"path": str(path), "state": "restored", "backup": "20261128T201000Z-bbbbbbbbbbbb"}
    assert run_module(args, capsys)["changed"] is False
    assert path.stat().st_ino == before.st_ino
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_a_failed_write_keeps_the_old_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "switches.json"
    path.write_text(TODAYS_RECORD)

    def no_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(switch_record.os, "fsync", no_disk)
    result = run_module({"path": str(path), "state": "cleared"}, capsys)
    assert result["failed"] is True
    assert "No space left on device" in result["msg"]
    assert path.read_text() == TODAYS_RECORD
    # No half-written file left beside it.
    assert os.listdir(tmp_path) == ["switches.json"]


def test_a_damaged_record_fails_and_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "switches.json"
    path.write_text('{"switches": [')
    result = run_module({"path": str(path), "state": "cleared"}, capsys)
    assert result["failed"] is True
    assert path.read_text() == '{"switches": ['
