"""Report what the app role needs to know of a host, in one fast call.

Ansible's facts lack the glibc version (which wheels the host can run) and
the CPUs this process may run on, and gathering them all costs seconds on
every run. The platform role has already checked the host's system.

Runs on the host with its own python3 (3.9 or newer), so it uses the
standard library only. Prints one JSON object, or one line on stderr and
exit status 1 when the host cannot be read.
"""

from __future__ import annotations

import json
import os
import platform
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


def probe() -> dict[str, Any]:
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
    }


def main() -> int:
    try:
        facts = probe()
    except (OSError, ValueError, ProbeError) as exc:
        print(f"probe.py: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
