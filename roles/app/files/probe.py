"""Report what the app role needs to know of a host, in one fast call.

Ansible's facts lack the glibc version (which wheels the host can run) and
the CPUs this process may run on, and gathering them all costs seconds on
every run. The platform role has already checked the host's system.

Runs on the host with its own python3 (3.9 or newer), so it uses the
standard library only. Prints one JSON object, or one line on stderr and
exit status 1 when the host cannot be read.
"""

from __future__ import annotations

import grp
import json
import os
import platform
import pwd
import sys
from typing import Any

MEMINFO = "/proc/meminfo"


class ProbeError(Exception):
    """The host cannot be read; the message says what is missing."""


def memory_mb() -> int:
    with open(MEMINFO) as lines:
        for line in lines:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise ProbeError(f"{MEMINFO} has no MemTotal line")


def account(name: str) -> dict[str, Any]:
    """The user and the group of that name, as home and shell, and members; None if absent."""
    try:
        user = pwd.getpwnam(name)
        found_user: dict[str, Any] | None = {"home": user.pw_dir, "shell": user.pw_shell}
    except KeyError:
        found_user = None
    try:
        found_group: dict[str, Any] | None = {"members": grp.getgrnam(name).gr_mem}
    except KeyError:
        found_group = None
    return {"user": found_user, "group": found_group}


def probe(name: str | None = None) -> dict[str, Any]:
    glibc = platform.libc_ver()[1]
    if not glibc:
        # Wheels are chosen by glibc version; without one none can be picked.
        raise ProbeError("cannot find the C library's version (is this a glibc system?)")
    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "glibc": glibc,
        "arch": platform.machine(),
        # What `nproc` counts: the CPUs this process may run on.
        "cpus": len(os.sched_getaffinity(0)),
        "memory_mb": memory_mb(),
        # Whether the app's account exists already, and whose it looks like.
        "account": account(name) if name else None,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        facts = probe(args[0] if args else None)
    except (OSError, ValueError, ProbeError) as exc:
        print(f"probe.py: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
