"""Name the run that takes the app's deploy lock, on the controller.

    lock-holder.py                  this run, as JSON (see this_run)
    lock-holder.py --alive HOLDER   whether the run HOLDER names (its JSON,
                                    as this_run printed it) may still exist

A run is named by where it runs and by a random nonce of its own. "Where" is
the controller's machine id, its kernel's boot id and the pid namespace of
the run's process, not its host name: two CI containers or cloned VMs share
a host name, and one must never take the other's live lock over. A holder is
judged gone only when it ran in this very machine, boot and pid namespace and
its ansible-playbook process (the pid, with the same start time) has ended.
Any other holder may be alive: only the operator can say it is not.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import socket
import sys
import time
from pathlib import Path

# What a holder must match, beyond its pid, to be judged from here.
PLACE = ("machine_id", "boot_id", "pid_namespace")


class HolderError(Exception):
    """The run cannot be named; the message says why."""


def read(path: str) -> str:
    """A one-line file's text; empty where it is missing."""
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def place() -> dict[str, str]:
    """Where this process runs: machine, boot and pid namespace."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return {
        "machine_id": read("/etc/machine-id"),
        "boot_id": read("/proc/sys/kernel/random/boot_id"),
        "pid_namespace": namespace,
    }


def start_time(pid: int) -> str:
    """When the process started, to the second, in UTC; empty where /proc is missing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        lines = Path("/proc/stat").read_text().splitlines()
        boot = next(line for line in lines if line.startswith("btime "))
    except (OSError, StopIteration):
        return ""
    # Fields after the command name, which may hold spaces and parentheses.
    fields = stat.rsplit(")", 1)[1].split()
    ticks = int(fields[19])
    seconds = int(boot.split()[1]) + ticks // os.sysconf("SC_CLK_TCK")
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def is_playbook(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
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
            pid = parent(pid)
    except (OSError, ValueError, IndexError):
        pass
    # No /proc, or run another way: the parent is the best guess.
    return found or os.getppid()


def this_run() -> dict[str, object]:
    pid = playbook_pid()
    return {
        "controller": socket.gethostname(),
        "user": getpass.getuser(),
        "pid": pid,
        "started": start_time(pid),
        **place(),
        "nonce": secrets.token_hex(16),
    }


def alive(holder: dict[str, object]) -> bool:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lock-holder.py", description="Name this Ansible run.")
    parser.add_argument("--alive", metavar="HOLDER_JSON")
    args = parser.parse_args(argv)
    try:
        if args.alive is not None:
            try:
                holder = json.loads(args.alive)
            except ValueError as error:
                raise HolderError(f"not a holder's JSON: {error}") from None
            if not isinstance(holder, dict):
                raise HolderError("not a holder's JSON: an object is expected")
            print(json.dumps({"alive": alive(holder)}))
        else:
            print(json.dumps(this_run()))
    except (HolderError, OSError, KeyError) as error:
        print(f"lock-holder.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
