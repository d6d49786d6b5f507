"""Report the TCP ports that SSH needs open on this host, in one call.

Prints one JSON object:

- connection_port: the port that Ansible's SSH connection came in through,
  as this host sees it (after any port forwarding on the way): the last
  field of SSH_CONNECTION. sudo leaves that variable out of root's
  environment, so it is read from the nearest process above this one that
  still has it (the login session's). null without an SSH connection.
- sshd_ports: the ports sshd is configured to listen on, from `sshd -T`: its
  `port` lines, and the ports of its `listenaddress` lines (a ListenAddress
  may name a port of its own). Empty without sshd.
- sshd_error: why `sshd -T` failed (it needs root), or null.

Runs on the host with its own python3 (3.9 or newer): standard library only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

SSHD = "/usr/sbin/sshd"
PORT_LINE = re.compile(r"(?:port |listenaddress \S+:)([0-9]+)")


def environment(pid: int) -> dict[bytes, bytes]:
    with open(f"/proc/{pid}/environ", "rb") as environ:
        pairs = (item.partition(b"=") for item in environ.read().split(b"\0") if item)
        return {name: value for name, _, value in pairs}


def parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        # The command name, in parentheses, may hold spaces: fields follow the last ")".
        return int(stat.read().rpartition(b")")[2].split()[1])


def connection_port() -> int | None:
    pid = os.getpid()
    while pid > 1:
        try:
            found = environment(pid).get(b"SSH_CONNECTION")
            if found is None:
                pid = parent(pid)
                continue
        except OSError:
            # Another user's process: no SSH session of ours above it.
            return None
        fields = found.split()
        return int(fields[3]) if len(fields) == 4 and fields[3].isdigit() else None
    return None


def sshd_ports() -> tuple[list[int], str | None]:
    if not os.path.exists(SSHD):
        return [], None
    result = subprocess.run([SSHD, "-T"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return [], (result.stderr.strip() or f"exit status {result.returncode}")
    found = (PORT_LINE.fullmatch(line) for line in result.stdout.splitlines())
    return sorted({int(match.group(1)) for match in found if match}), None


def main() -> None:
    ports, error = sshd_ports()
    report: dict[str, Any] = {
        "connection_port": connection_port(),
        "sshd_ports": ports,
        "sshd_error": error,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
