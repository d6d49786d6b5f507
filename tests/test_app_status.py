"""plainvm.asgi.app_status (playbooks/status.yml): what it makes of systemd and /proc."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.modules import collection, run

ROOT = Path(__file__).resolve().parents[1]
app_status = collection("module_utils.app_status")
app_status_module = collection("modules.app_status")

EXEC_START = (
    "{ path=/srv/server/current/venv/bin/uvicorn ; argv[]=/srv/server/current/venv/bin/uvicorn "
    "$APP_MODULE $APP_UVICORN_ARGS --fd 3 --workers 2 --proxy-headers ; ignore_errors=no ; "
    "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }"
)
SPAWN = "python3 -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=8)"
TRACKER = "python3 -c from multiprocessing.resource_tracker import main;main(7)"


def test_the_expected_workers_are_the_last_workers_flag_of_the_unit() -> None:
    assert app_status.expected_workers(EXEC_START) == 2
    # The role's flag comes after the app's own uvicorn arguments: uvicorn takes the last.
    assert app_status.expected_workers("uvicorn --workers=8 --fd 3 --workers 3") == 3
    assert app_status.expected_workers("uvicorn --fd 3") is None


def test_byte_counts_become_mebibytes_and_unset_values_none() -> None:
    assert app_status.mebibytes("301989888") == 288
    assert app_status.mebibytes("104857600") == 100
    assert app_status.mebibytes("110100480") == 105
    assert app_status.mebibytes("1572864") == 1.5
    assert app_status.mebibytes("[not set]") is None
    assert app_status.mebibytes("infinity") is None
    assert app_status.mebibytes(str(2**64 - 1)) is None


def fake_process(proc: Path, pid: int, parent: int, cgroup: str, command: str) -> None:
    folder = proc / str(pid)
    folder.mkdir()
    (folder / "cgroup").write_text(f"1:name=systemd:{cgroup}\n0::{cgroup}\n")
    (folder / "stat").write_text(f"{pid} (python3 x) S {parent} {pid} {pid} 0 -1\n")
    (folder / "cmdline").write_bytes(command.replace(" ", "\0").encode() + b"\0")
    (folder / "smaps_rollup").write_text("Rss:  2048 kB\nPss:  1024 kB\n")


def test_only_the_spawned_children_of_the_supervisor_are_workers(tmp_path: Path) -> None:
    unit = "/system.slice/server.service"
    fake_process(tmp_path, 100, 1, unit, "uvicorn server.app:app --fd 3 --workers 2")
    fake_process(tmp_path, 101, 100, unit, TRACKER)
    fake_process(tmp_path, 102, 100, unit, SPAWN)
    fake_process(tmp_path, 103, 100, unit, SPAWN)
    # The handover's and another unit's processes are not the app's.
    fake_process(tmp_path, 200, 1, "/system.slice/server-handover.service", SPAWN)
    fake_process(tmp_path, 201, 200, "/system.slice/server-handover.service", SPAWN)
    (tmp_path / "self").mkdir()
    processes = app_status.cgroup_processes(unit, proc=tmp_path)
    assert sorted(processes) == [100, 101, 102, 103]
    assert processes[101] == {"parent": 100, "command": TRACKER, "pss": 1024 * 1024}
    assert app_status.running_workers(processes, 100, 2) == 2
    # A supervisor whose workers died serves nothing.
    alone = {100: processes[100], 101: processes[101]}
    assert app_status.running_workers(alone, 100, 2) == 0
    # One worker: uvicorn serves from its main process.
    assert app_status.running_workers({100: processes[100]}, 100, 1) == 1
    # A stopped unit.
    assert app_status.running_workers({}, 0, 2) == 0


def test_the_last_deploy_is_found_behind_a_rollback(tmp_path: Path) -> None:
    record = tmp_path / "switches.json"
    switches = [
        {"time": "2024-05-01T10:00:00Z", "kind": "deploy", "from": "", "to": "aaa"},
        {"time": "2024-05-02T10:00:00Z", "kind": "deploy", "from": "aaa", "to": "bbb"},
        {"time": "2024-05-03T10:00:00Z", "kind": "rollback", "from": "bbb", "to": "aaa"},
    ]
    record.write_text(json.dumps({"switches": switches, "pending": None}))
    assert app_status.last_switches(record) == (switches[1], switches[2])
    assert app_status.last_switches(tmp_path / "missing.json") == (None, None)


def test_ages_are_rounded_for_reading() -> None:
    moment = "2024-05-01T10:00:00Z"
    start = 1714557600  # 2024-05-01T10:00:00Z
    assert app_status.age(moment, start + 42) == "42 s ago"
    assert app_status.age(moment, start + 3 * 60 + 5) == "3 min ago"
    assert app_status.age(moment, start + 2 * 3600 + 7 * 60) == "2 h 7 min ago"
    assert app_status.age(moment, start + 3 * 86400 + 3600) == "3 d 1 h ago"
    assert app_status.age("not a time", start) is None


def fake_unit(units: Path, name: str, text: str) -> None:
    (units / name).write_text(f"#\n# Ansible managed\n#\n{text}\n[Unit]\n")


def test_process_types_and_timers_are_found_by_their_marker(tmp_path: Path) -> None:
    fake_unit(tmp_path, "shop-worker.service", "# plainvm.asgi process of shop")
    fake_unit(tmp_path, "shop-report.service", "# plainvm.asgi timer of shop")
    fake_unit(tmp_path, "shop-report.timer", "# plainvm.asgi timer of shop")
    # The app's own units, another app's process whose name starts the same, a hand-made unit.
    fake_unit(tmp_path, "shop-handover.service", "")
    fake_unit(tmp_path, "shop-eu-worker.service", "# plainvm.asgi process of shop-eu")
    fake_unit(tmp_path, "shop-extra.service", "# plainvm.asgi process of shop, by hand")
    assert app_status.marked_units(tmp_path, "shop", "process", ".service") == [
        "shop-worker.service"
    ]
    assert app_status.marked_units(tmp_path, "shop", "timer", ".timer") == ["shop-report.timer"]
    assert app_status.marked_units(tmp_path, "shop-eu", "process", ".service") == [
        "shop-eu-worker.service"
    ]


def test_a_process_runs_the_release_named_in_its_environment(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "environ").write_bytes(b"PATH=/bin\0APP_RELEASE=1f2e3d4c5b6a\0HOME=/x\0")
    assert app_status.process_release(42, proc=tmp_path) == "1f2e3d4c5b6a"
    # Gone, or not started.
    assert app_status.process_release(43, proc=tmp_path) == ""
    assert app_status.process_release(0, proc=tmp_path) == ""


def test_process_types_and_timers_say_what_runs_and_when(tmp_path: Path, monkeypatch) -> None:
    units = tmp_path / "units"
    units.mkdir()
    fake_unit(units, "shop-worker.service", "# plainvm.asgi process of shop")
    fake_unit(units, "shop-queue.service", "# plainvm.asgi process of shop")
    fake_unit(units, "shop-report.timer", "# plainvm.asgi timer of shop")
    fake_unit(units, "shop-report.service", "# plainvm.asgi timer of shop")
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "environ").write_bytes(b"APP_RELEASE=bbb\0")
    shown = {
        "shop-worker.service": {
            "ActiveState": "active",
            "SubState": "running",
            "Result": "success",
            "UnitFileState": "enabled",
            "ActiveEnterTimestamp": "Mon 2024-05-06 10:00:00 UTC",
            "MainPID": "42",
            "NRestarts": "2",
        },
        # Rolled back to a release that has no command for it.
        "shop-queue.service": {
            "ActiveState": "inactive",
            "SubState": "dead",
            "Result": "exec-condition",
            "UnitFileState": "enabled",
            "ActiveEnterTimestamp": "",
            "MainPID": "0",
            "NRestarts": "0",
        },
        "shop-report.timer": {
            "ActiveState": "active",
            "SubState": "waiting",
            "UnitFileState": "enabled",
            "NextElapseUSecRealtime": "Tue 2024-05-07 03:00:00 UTC",
            "LastTriggerUSec": "Mon 2024-05-06 03:00:00 UTC",
        },
        "shop-report.service": {
            "ActiveState": "inactive",
            "Result": "exit-code",
            "ExecMainStatus": "3",
            "MainPID": "0",
        },
    }
    monkeypatch.setattr(app_status, "systemd_properties", lambda unit, properties: shown[unit])
    queue, worker = app_status.process_types(units, "shop", proc=tmp_path)
    assert worker["name"] == "worker"
    assert (worker["active"], worker["release"], worker["restarts"]) == (True, "bbb", 2)
    assert (queue["active"], queue["result"], queue["release"]) == (False, "exec-condition", "")
    (report,) = app_status.timers(units, "shop", "aaa", proc=tmp_path)
    assert report["next_run"] == "Tue 2024-05-07 03:00:00 UTC"
    assert (report["last_result"], report["last_status"], report["release"]) == (
        "exit-code",
        3,
        "aaa",
    )
    # A run going on now: its own release, and no result yet.
    shown["shop-report.service"] |= {"ActiveState": "activating", "MainPID": "42"}
    (report,) = app_status.timers(units, "shop", "aaa", proc=tmp_path)
    assert (report["running"], report["last_result"], report["release"]) == (True, "", "bbb")
    # Never run.
    shown["shop-report.timer"]["LastTriggerUSec"] = "n/a"
    shown["shop-report.service"] |= {"ActiveState": "inactive", "MainPID": "0"}
    (report,) = app_status.timers(units, "shop", "aaa", proc=tmp_path)
    assert (report["last_run"], report["last_result"]) == ("", "")


def run_module(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run(app_status_module, args, capsys)


def test_the_module_returns_the_status_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "srv" / "shop"
    (root / "releases" / "aaa").mkdir(parents=True)
    (root / "releases" / "bbb").mkdir()
    (root / "current").symlink_to("releases/bbb")
    (root / "previous").symlink_to("releases/aaa")
    deploy = {"time": "2024-05-01T10:00:00Z", "kind": "deploy", "from": "aaa", "to": "bbb"}
    (root / "switches.json").write_text(json.dumps({"switches": [deploy], "pending": None}))
    units = tmp_path / "units"
    units.mkdir()
    fake_unit(units, "shop-worker.service", "# plainvm.asgi process of shop")
    fake_unit(units, "shop-report.timer", "# plainvm.asgi timer of shop")
    proc = tmp_path / "proc"
    proc.mkdir()
    cgroup = "/system.slice/shop.service"
    fake_process(proc, 100, 1, cgroup, "uvicorn shop.main:app --fd 3 --workers 2")
    fake_process(proc, 101, 100, cgroup, TRACKER)
    fake_process(proc, 102, 100, cgroup, SPAWN)
    fake_process(proc, 103, 100, cgroup, SPAWN)
    shown = {
        "shop.service": {
            "LoadState": "loaded",
            "ActiveState": "active",
            "SubState": "running",
            "ActiveEnterTimestamp": "Wed 2024-05-01 10:00:01 UTC",
            "MainPID": "100",
            "NRestarts": "1",
            "ControlGroup": cgroup,
            "MemoryCurrent": "104857600",
            "MemoryHigh": "infinity",
            "MemoryMax": "301989888",
            "ExecStart": EXEC_START,
        },
        "shop-worker.service": {
            "ActiveState": "failed",
            "SubState": "failed",
            "Result": "exit-code",
            "UnitFileState": "disabled",
            "ActiveEnterTimestamp": "n/a",
            "MainPID": "0",
            "NRestarts": "5",
        },
        "shop-report.timer": {
            "ActiveState": "active",
            "SubState": "waiting",
            "UnitFileState": "enabled",
            "NextElapseUSecRealtime": "Thu 2024-05-02 03:00:00 UTC",
            "LastTriggerUSec": "Wed 2024-05-01 03:00:00 UTC",
        },
        "shop-report.service": {
            "ActiveState": "inactive",
            "Result": "success",
            "ExecMainStatus": "0",
            "MainPID": "0",
        },
    }
    monkeypatch.setattr(app_status, "systemd_properties", lambda unit, properties: shown[unit])
    read_cgroup = app_status.cgroup_processes
    monkeypatch.setattr(app_status, "cgroup_processes", lambda cgroup: read_cgroup(cgroup, proc))
    monkeypatch.setattr(time, "time", lambda: 1714557600 + 42)  # 2024-05-01T10:00:42Z
    args = {"root": str(root), "unit": "shop.service", "units_dir": str(units)}
    result = run_module(args, capsys)
    assert result["changed"] is False
    assert result["status"] == {
        "live": "bbb",
        "previous": "aaa",
        "unit": "shop.service",
        "installed": True,
        "active": True,
        "state": "active/running",
        "since": "Wed 2024-05-01 10:00:01 UTC",
        "restarts": 1,
        "main_pid": 100,
        "workers_running": 2,
        "workers_expected": 2,
        "processes": 4,
        "memory_current_mib": 100,
        "memory_pss_mib": 4,
        "memory_high_mib": None,
        "memory_max_mib": 288,
        "last_deploy": {**deploy, "age": "42 s ago"},
        "last_switch": {**deploy, "age": "42 s ago"},
        "process_types": [
            {
                "name": "worker",
                "unit": "shop-worker.service",
                "active": False,
                "state": "failed/failed",
                "result": "exit-code",
                "enabled": False,
                "since": "",
                "restarts": 5,
                "release": "",
            }
        ],
        "timers": [
            {
                "name": "report",
                "unit": "shop-report.timer",
                "active": True,
                "state": "active/waiting",
                "enabled": True,
                "next_run": "Thu 2024-05-02 03:00:00 UTC",
                "last_run": "Wed 2024-05-01 03:00:00 UTC",
                "running": False,
                "last_result": "success",
                "last_status": 0,
                "release": "bbb",
            }
        ],
    }
    # It only reads: check mode reports the same.
    checked = run_module({**args, "_ansible_check_mode": True}, capsys)
    assert (checked["changed"], checked["status"]) == (False, result["status"])

    # Without systemctl to ask, the task fails and says why.
    def no_systemctl(unit: str, properties: list[str]) -> dict[str, str]:
        raise FileNotFoundError(2, "No such file or directory", "systemctl")

    monkeypatch.setattr(app_status, "systemd_properties", no_systemctl)
    failed = run_module(args, capsys)
    assert failed["failed"] is True
    assert "systemctl" in failed["msg"]
