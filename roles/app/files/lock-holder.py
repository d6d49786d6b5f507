"""Name the run that takes the app's deploy lock, on the controller.

    lock-holder.py                    this run: controller, user, pid, started
    lock-holder.py --alive PID START  whether that run still exists here

The pid is that of the ansible-playbook process this script runs under (its
nearest ancestor of that name), and START that process's start time: a pid
that the system has since given to another process does not count as the
holder.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
import time
from pathlib import Path


class HolderError(Exception):
    """The run cannot be named; the message says why."""


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
    }


def alive(pid: int, started: str) -> bool:
    if pid <= 0:
        return False
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
    parser.add_argument("--alive", nargs=2, metavar=("PID", "STARTED"))
    args = parser.parse_args(argv)
    try:
        if args.alive:
            pid, started = args.alive
            if not pid.isdigit():
                raise HolderError(f"not a pid: {pid!r}")
            print(json.dumps({"alive": alive(int(pid), started)}))
        else:
            print(json.dumps(this_run()))
    except (HolderError, OSError, KeyError) as error:
        print(f"lock-holder.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
