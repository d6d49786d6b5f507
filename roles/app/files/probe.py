"""Report what the app role needs to know of a host, in one fast call.

Ansible's facts lack the glibc version (which wheels the host can run) and
gathering them all costs seconds on every run.
"""

import json
import os
import platform
import sys


def memory_mb():
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 0


def os_release():
    values = {}
    with open("/etc/os-release") as release:
        for line in release:
            key, _, value = line.strip().partition("=")
            values[key] = value.strip('"')
    return values


release = os_release()
print(
    json.dumps(
        {
            "python": "{}.{}".format(*sys.version_info[:2]),
            "glibc": platform.libc_ver()[1],
            "arch": platform.machine(),
            # What `nproc` counts: the CPUs this process may run on.
            "cpus": len(os.sched_getaffinity(0)),
            "memory_mb": memory_mb(),
            "systemd": os.path.isdir("/run/systemd/system"),
            "os": release.get("ID", ""),
            "os_version": release.get("VERSION_ID", ""),
        }
    )
)
