"""The app role's state on a host: its record of switches, releases, backups and process.

Shared by the modules plainvm.asgi.app_state (which reads it all) and
plainvm.asgi.switch_record (which alone writes the record of switches; its
documentation describes the record's format). Standard library only: the
modules run with the host's own Python 3.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from ansible_collections.plainvm.asgi.plugins.module_utils.host import (
    environment,
    link_release,
    systemd_properties,
)

# 20261128T201500Z-<release>: when it was taken, and the release it was taken for.
BACKUP_NAME = re.compile(r"\A\d{8}T\d{6}Z-[A-Za-z0-9][A-Za-z0-9-]*\Z")
RELEASE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9-]*\Z")

# The record's file beside the releases, and the record of a host without one.
RECORD_FILE = "switches.json"
# The times of the record, in UTC.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def empty_record() -> dict[str, Any]:
    return {"switches": [], "pending": None}


def read_record(path: str | Path) -> dict[str, Any]:
    """The record of switches in PATH; an empty one where there is no file yet.

    Keys the toolkit does not know are kept as they are: a newer toolkit may
    have written them.
    """
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return empty_record()
    record = json.loads(text)
    if not isinstance(record, dict) or not isinstance(record.get("switches", []), list):
        raise ValueError(f"{path} is not a record of switches")
    record.setdefault("switches", [])
    record.setdefault("pending", None)
    return record


def dump_record(record: dict[str, Any]) -> str:
    """The record as its file holds it: sorted keys, four spaces, no final newline.

    Byte for byte what the role's templates wrote before (Ansible's
    to_nice_json), so that a host's file from then reads as unchanged.
    """
    return json.dumps(record, indent=4, sort_keys=True, separators=(",", ": "))


def utc_now() -> str:
    return time.strftime(TIME_FORMAT, time.gmtime())


def releases(folder: Path) -> list[dict[str, Any]]:
    """The releases in FOLDER: id, whether it passed its checks, and when."""
    found = []
    for entry in sorted(os.listdir(folder)) if folder.is_dir() else []:
        path = folder / entry
        if path.is_symlink() or not path.is_dir() or not RELEASE_NAME.match(entry):
            continue
        ready = path / ".ready"
        # A ready release dates from its checks, another one from its making.
        moment = (ready if ready.is_file() else path).stat().st_mtime
        found.append({"id": entry, "ready": ready.is_file(), "time": moment})
    return found


def backups(folder: str | Path) -> list[str]:
    """The backups' names: nothing in the app's directory is opened or followed."""
    entries = os.listdir(folder) if os.path.isdir(folder) else []
    return sorted(entry for entry in entries if BACKUP_NAME.match(entry))


def serving(unit: str, changed_files: list[str]) -> dict[str, Any]:
    """The release that the app's running process serves.

    Stale: the process started before one of changed_files last changed (its
    unit, its secrets), so it runs with what they held before.
    """
    properties = systemd_properties(unit, ["MainPID", "ExecMainStartTimestampMonotonic"])
    pid = int(properties.get("MainPID") or 0)
    release = ""
    stale = False
    if pid > 0:
        try:
            release = environment(pid).get(b"APP_RELEASE", b"").decode(errors="replace")
        except OSError:
            release = ""
        # Both clocks count from boot: when the process started, in Unix time.
        monotonic_us = int(properties.get("ExecMainStartTimestampMonotonic") or 0)
        started = time.time() - (time.monotonic() - monotonic_us / 1e6)
        changed = [os.stat(f).st_mtime for f in changed_files if os.path.exists(f)]
        stale = bool(changed) and max(changed) > started
    return {"pid": pid, "release": release, "stale": stale}


def read_state(
    root: str | Path,
    backups_dir: str | Path,
    unit: str,
    changed_files: list[str],
    restart_pending: str = "",
) -> dict[str, Any]:
    """What the app role reads of a host once a run holds its lock."""
    root = Path(root)
    try:
        restore = json.loads((root / "restore.json").read_text())
    except FileNotFoundError:
        restore = None
    return {
        "current": link_release(root / "current"),
        "previous": link_release(root / "previous"),
        "history": read_record(root / RECORD_FILE),
        "restore": restore,
        "releases": releases(root / "releases"),
        "backups": backups(backups_dir),
        "serving": serving(unit, changed_files),
        # Root's note that a run wrote files the app's start reads and had
        # not restarted the app yet.
        "restart_pending": bool(restart_pending) and Path(restart_pending).is_file(),
    }
