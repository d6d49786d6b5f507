"""The deploy lock's holder records, on the controller: this run's, and whether a holder runs.

plainvm.asgi.deploy_lock's action plugin names the run that takes the lock
here, and judges here whether the run a lock names has ended: only the
controller can see its own processes. The lock itself, and the format of
its holder.json, are the module's (plugins/modules/deploy_lock.py).

A run is named by where it runs and by a random nonce of its own. "Where" is
the controller's machine id, its kernel's boot id and the pid namespace of
the run's process, not its host name: two CI containers or cloned VMs share
a host name, and one must never take the other's live lock over. A holder is
judged gone only when it ran in this very machine, boot and pid namespace and
its ansible-playbook process (the pid, with the same start time) has ended.
Any other holder may be alive: only the operator can say it is not.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import socket
import time
from pathlib import Path
from typing import Any

from ansible_collections.plainvm.asgi.plugins.module_utils.host import (
    PROC,
    parent_pid,
    read_line,
    stat_fields,
)

# What a holder must match, beyond its pid, to be judged from here.
PLACE = ("machine_id", "boot_id", "pid_namespace")
# This run's record, in the private temporary directory of its ansible-playbook.
RUN_FILE = "deploy-lock-run.json"


def place() -> dict[str, str]:
    """Where this process runs: machine, boot and pid namespace."""
    try:
        namespace = os.readlink(PROC / "self/ns/pid")
    except OSError:
        namespace = ""
    return {
        "machine_id": read_line("/etc/machine-id"),
        "boot_id": read_line(PROC / "sys/kernel/random/boot_id"),
        "pid_namespace": namespace,
    }


def start_time(pid: int) -> str:
    """When the process started, to the second, in UTC; empty where /proc is missing."""
    try:
        ticks = int(stat_fields(pid)[19])
        lines = (PROC / "stat").read_text().splitlines()
        boot = next(line for line in lines if line.startswith("btime "))
    except (OSError, StopIteration, ValueError, IndexError):
        return ""
    seconds = int(boot.split()[1]) + ticks // os.sysconf("SC_CLK_TCK")
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def is_playbook(pid: int) -> bool:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    # `ansible-playbook ...`, or `python .../ansible-playbook ...`.
    return any(os.path.basename(arg) == b"ansible-playbook" for arg in argv[:2])


def playbook_pid() -> int:
    """The outermost of the ansible-playbook processes above this one.

    Ansible runs each task in a worker forked from ansible-playbook, with
    the same command line, that ends with the task: the run is the process
    that forked it.
    """
    found = 0
    pid = os.getppid()
    try:
        while pid > 1:
            if is_playbook(pid):
                found = pid
            elif found:
                break
            pid = parent_pid(pid)
    except (OSError, ValueError, IndexError):
        pass
    # No /proc, or run another way: the parent is the best guess.
    return found or os.getppid()


def this_run() -> dict[str, Any]:
    """A new record of this run: who, where, which ansible-playbook, and a nonce."""
    pid = playbook_pid()
    return {
        "controller": socket.gethostname(),
        "user": getpass.getuser(),
        "pid": pid,
        "started": start_time(pid),
        **place(),
        "nonce": secrets.token_hex(16),
    }


def run_record(directory: str | Path) -> dict[str, Any]:
    """This run's record: the same in every task, on every host and in every play.

    DIRECTORY is ansible-playbook's own temporary directory, which its
    workers share (they are forked from it) and which ends with it. The
    first task to ask writes the record there, linked into place whole:
    of workers that race, the first one's record wins.
    """
    path = Path(directory) / RUN_FILE
    try:
        found: dict[str, Any] = json.loads(path.read_text())
        return found
    except (OSError, ValueError):
        pass
    record = this_run()
    draft = path.with_name(f"{RUN_FILE}.{os.getpid()}")
    draft.write_text(json.dumps(record))
    try:
        os.link(draft, path)
    except FileExistsError:
        record = json.loads(path.read_text())
    finally:
        draft.unlink()
    return record


def alive(holder: dict[str, Any]) -> bool:
    """False only when the holder's run is known to have ended."""
    here = place()
    if any(not here[key] or holder.get(key) != here[key] for key in PLACE):
        # Another machine, boot or container: nothing here can tell.
        return True
    pid, started = holder.get("pid"), holder.get("started")
    if type(pid) is not int or pid <= 0 or not isinstance(started, str):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    # Another process may have the pid now; the start time tells them apart.
    return not started or start_time(pid) in ("", started)


def describe(holder: dict[str, Any]) -> str:
    """The run a holder record names, for an operator."""
    if "controller" not in holder:
        return "a run that left no record"
    machine = str(holder.get("machine_id", "unknown"))[:12]
    return (
        f"user {holder.get('user')} on {holder['controller']} (machine {machine}, "
        f"ansible-playbook pid {holder.get('pid')}, started {holder.get('started')})"
    )


def refusal(lock: str, holder: dict[str, Any]) -> str:
    """Why a run does not take the lock that HOLDER holds."""
    return (
        f"The deploy lock {lock} is held by {describe(holder)}: another run is changing the "
        "app, so this one changed nothing. If that run is gone (its controller stopped or "
        "lost the connection), break the lock with -e app__deploy_lock_break=true."
    )


def takeover(holder: dict[str, Any], stale: bool) -> str:
    """Whose lock a run took over, and why it could."""
    why = "is gone" if stale else "app__deploy_lock_break breaks"
    return (
        f"The deploy lock was left by {holder.get('user', 'a run')} on "
        f"{holder.get('controller', 'an unknown controller')} "
        f"(pid {holder.get('pid', 'unknown')}, started "
        f"{holder.get('started', 'at an unknown time')}), which {why}: "
        "this run took over the deploy lock."
    )
