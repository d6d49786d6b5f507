"""What the app is doing now on its host: plainvm.asgi.app_status reads it with these.

It reads and changes nothing: the `current` and `previous` links, the record
of switches, the app's unit as systemd describes it, the processes in its
cgroup, and its process types and timers (the units of app__processes and
app__timers). Standard library only: it runs with the host's own Python 3.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from ansible_collections.plainvm.asgi.plugins.module_utils.host import (
    PROC,
    environment,
    link_release,
    stat_fields,
    systemd_properties,
)

# What systemd says of the app's unit.
PROPERTIES = [
    "LoadState",
    "ActiveState",
    "SubState",
    "ActiveEnterTimestamp",
    "MainPID",
    "NRestarts",
    "ControlGroup",
    "MemoryCurrent",
    "MemoryHigh",
    "MemoryMax",
    "ExecStart",
]

# Of the units of the app's process types, and of its timers and their jobs.
PROCESS_PROPERTIES = [
    "ActiveState",
    "SubState",
    "Result",
    "UnitFileState",
    "ActiveEnterTimestamp",
    "MainPID",
    "NRestarts",
]
TIMER_PROPERTIES = [
    "ActiveState",
    "SubState",
    "UnitFileState",
    "NextElapseUSecRealtime",
    "LastTriggerUSec",
]
JOB_PROPERTIES = ["ActiveState", "Result", "ExecMainStatus", "MainPID"]

# The role marks the units of app__processes and app__timers with this line.
MARKER = "# plainvm.asgi {kind} of {name}"

# systemd's "no value" for a 64-bit counter: no memory accounting there.
UNSET = 2**64 - 1

# uvicorn starts its workers with multiprocessing's spawn method; the other
# child of its supervisor is multiprocessing's resource tracker.
WORKER_MARK = "multiprocessing.spawn"

# The unit's ExecStart ends with the role's --workers; click takes the last.
WORKERS_FLAG = re.compile(r"--workers(?:=|\s+)(\d+)")


def marked_units(units_dir: Path, name: str, kind: str, suffix: str) -> list[str]:
    """The role's units of KIND (process, timer) of app NAME, by their marker line."""
    marker = MARKER.format(kind=kind, name=name)
    found = []
    for path in sorted(units_dir.glob(f"{name}-*{suffix}")):
        try:
            if marker in path.read_text().splitlines():
                found.append(path.name)
        except OSError:
            continue
    return found


def process_release(pid: int, proc: Path = PROC) -> str:
    """The release a process runs: APP_RELEASE in its environment (release.env)."""
    if pid <= 0:
        return ""
    try:
        release = environment(pid, proc).get(b"APP_RELEASE")
    except OSError:
        return ""
    return "" if release is None else release.decode(errors="replace")


def unit_state(properties: dict[str, str]) -> str:
    return f"{properties.get('ActiveState', 'unknown')}/{properties.get('SubState', 'unknown')}"


def moment(value: str) -> str:
    """A time from `systemctl show`; empty for none."""
    return "" if value in ("", "n/a", "0") else value


def process_types(units_dir: Path, name: str, proc: Path = PROC) -> list[dict[str, Any]]:
    """Each process type: its unit's state and the release its main process runs."""
    found = []
    for unit in marked_units(units_dir, name, "process", ".service"):
        properties = systemd_properties(unit, PROCESS_PROPERTIES)
        found.append(
            {
                "name": unit[len(name) + 1 : -len(".service")],
                "unit": unit,
                "active": properties.get("ActiveState") == "active",
                "state": unit_state(properties),
                # `exec-condition`: the live release has no command for it.
                "result": properties.get("Result", ""),
                "enabled": properties.get("UnitFileState", "") == "enabled",
                "since": moment(properties.get("ActiveEnterTimestamp", "")),
                "restarts": int(properties.get("NRestarts") or 0),
                "release": process_release(int(properties.get("MainPID") or 0), proc),
            }
        )
    return found


def timers(units_dir: Path, name: str, live: str, proc: Path = PROC) -> list[dict[str, Any]]:
    """Each timer: when it runs next, how its job's last run ended, and the release it runs."""
    found = []
    for unit in marked_units(units_dir, name, "timer", ".timer"):
        timer = systemd_properties(unit, TIMER_PROPERTIES)
        job = systemd_properties(unit[: -len(".timer")] + ".service", JOB_PROPERTIES)
        last_run = moment(timer.get("LastTriggerUSec", ""))
        running = job.get("ActiveState") == "activating"
        found.append(
            {
                "name": unit[len(name) + 1 : -len(".timer")],
                "unit": unit,
                "active": timer.get("ActiveState") == "active",
                "state": unit_state(timer),
                "enabled": timer.get("UnitFileState", "") == "enabled",
                "next_run": moment(timer.get("NextElapseUSecRealtime", "")),
                "last_run": last_run,
                "running": running,
                # success, exit-code, timeout; exec-condition: skipped, no command in the release.
                "last_result": job.get("Result", "") if last_run and not running else "",
                "last_status": int(job.get("ExecMainStatus") or 0),
                # A job runs the live release at each start; one running now, its own.
                "release": process_release(int(job.get("MainPID") or 0), proc) if running else live,
            }
        )
    return found


def mebibytes(value: str) -> float | int | None:
    """A byte count from systemd in MiB; None for no value or no limit."""
    if not value.isdigit() or int(value) >= UNSET:
        return None
    mib = round(int(value) / 2**20, 1)
    return int(mib) if mib.is_integer() else mib


def expected_workers(exec_start: str) -> int | None:
    found = WORKERS_FLAG.findall(exec_start)
    return int(found[-1]) if found else None


def cgroup_processes(cgroup: str, proc: Path = PROC) -> dict[int, dict[str, Any]]:
    """The processes in CGROUP or below, with their parent and command line.

    Read from /proc/PID/cgroup, which names the unit's cgroup on cgroup v2
    and v1 alike (the v1 hierarchy `name=systemd`).
    """
    found: dict[int, dict[str, Any]] = {}
    if not cgroup:
        return found
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            lines = (proc / entry / "cgroup").read_text().splitlines()
            paths = {line.split(":", 2)[2] for line in lines if line.count(":") >= 2}
            if not any(path == cgroup or path.startswith(cgroup + "/") for path in paths):
                continue
            parent = int(stat_fields(int(entry), proc)[1])
            command = (
                (proc / entry / "cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
            )
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            # Gone meanwhile, or a kernel thread: not one of the app's.
            continue
        found[int(entry)] = {"parent": parent, "command": command.strip(), "pss": pss(proc / entry)}
    return found


def pss(process: Path) -> int | None:
    """The process's proportional set size in bytes: its shared pages split among their users."""
    try:
        for line in (process / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def running_workers(
    processes: dict[int, dict[str, Any]], main_pid: int, expected: int | None
) -> int:
    """The workers serving now.

    With one worker uvicorn serves from its main process; with more, its
    main process only supervises, and the workers are its spawned children.
    """
    if main_pid not in processes:
        return 0
    if expected == 1:
        return 1
    return sum(
        1
        for process in processes.values()
        if process["parent"] == main_pid and WORKER_MARK in process["command"]
    )


def read_switches(history_file: Path) -> list[dict[str, Any]]:
    """The switches in the record, oldest first; none before the first deploy."""
    try:
        switches: list[dict[str, Any]] = json.loads(history_file.read_text()).get("switches", [])
    except FileNotFoundError:
        return []
    return switches


def last_switches(history_file: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The last deploy and the last switch of any kind in the record."""
    switches = read_switches(history_file)
    deploys = [switch for switch in switches if switch.get("kind") == "deploy"]
    return (deploys[-1] if deploys else None), (switches[-1] if switches else None)


def age(moment: str, now: float) -> str | None:
    """How long ago an ISO time of the record (UTC, `Z`) was, roughly."""
    try:
        then = calendar.timegm(time.strptime(moment, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None
    seconds = max(int(now - then), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h ago"
    if hours:
        return f"{hours} h {minutes} min ago"
    return f"{minutes} min ago" if minutes else f"{seconds} s ago"


def status(root: Path, unit_name: str, units_dir: Path) -> dict[str, Any]:
    """The app's status: the document published as app__status.

    Raises OSError, subprocess.CalledProcessError or ValueError when a part
    of it cannot be read.
    """
    unit = systemd_properties(unit_name, PROPERTIES)
    main_pid = int(unit.get("MainPID") or 0)
    expected = expected_workers(unit.get("ExecStart", ""))
    processes = cgroup_processes(unit.get("ControlGroup", ""))
    last_deploy, last_switch = last_switches(root / "switches.json")
    now = time.time()
    for switch in (last_deploy, last_switch):
        if switch is not None:
            switch["age"] = age(switch.get("time", ""), now)
    live = link_release(root / "current")
    name = unit_name.removesuffix(".service")
    return {
        "live": live,
        "previous": link_release(root / "previous"),
        "unit": unit_name,
        "installed": unit.get("LoadState") == "loaded",
        "active": unit.get("ActiveState") == "active",
        "state": unit_state(unit),
        "since": unit.get("ActiveEnterTimestamp", ""),
        "restarts": int(unit.get("NRestarts") or 0),
        "main_pid": main_pid,
        "workers_running": running_workers(processes, main_pid, expected),
        "workers_expected": expected,
        "processes": len(processes),
        "memory_current_mib": mebibytes(unit.get("MemoryCurrent", "")),
        # Where the cgroup's memory is not accounted (cgroup v1 containers), what
        # its processes hold: less than MemoryCurrent, which counts the page cache too.
        "memory_pss_mib": mebibytes(str(sum(p["pss"] or 0 for p in processes.values()))),
        "memory_high_mib": mebibytes(unit.get("MemoryHigh", "")),
        "memory_max_mib": mebibytes(unit.get("MemoryMax", "")),
        "last_deploy": last_deploy,
        "last_switch": last_switch,
        "process_types": process_types(units_dir, name),
        "timers": timers(units_dir, name, live),
    }
