"""What plainvm.asgi.host_state reads on a host: files, units, packages, accounts, resources, SSH.

Each module task costs a round trip (SSH, sudo, a Python start): half a
second. A role reads its files, units, packages and accounts here first,
and then runs only the tasks whose target differs from what it wants, so a
run with nothing to change costs one round trip per role.

Standard library only: the module runs with the host's own Python 3.
"""

from __future__ import annotations

import grp
import hashlib
import os
import platform
import pwd
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from ansible_collections.plainvm.asgi.plugins.module_utils.host import (
    PROC,
    environment,
    parent_pid,
)

CHUNK = 1 << 16
MEMINFO = "/proc/meminfo"
SSHD = "/usr/sbin/sshd"
# `sshd -T` prints `port N` lines, and `listenaddress HOST:N` lines, where a
# ListenAddress may name a port of its own.
PORT_LINE = re.compile(r"(?:port |listenaddress \S+:)([0-9]+)")


class HostStateError(Exception):
    """The host cannot be read; the message says what is missing."""


def _owner(st: os.stat_result) -> dict[str, str]:
    def name(lookup: Any, ident: int) -> str:
        try:
            return str(lookup(ident)[0])
        except KeyError:
            return str(ident)

    return {"owner": name(pwd.getpwuid, st.st_uid), "group": name(grp.getgrgid, st.st_gid)}


def _sha1(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def path_state(path: str) -> dict[str, str]:
    """What Ansible's file, copy and template modules would compare.

    A file gives its SHA-1 (the copy module's checksum), a link its target;
    all give mode, owner and group as the modules spell them ("0644", names).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return {"state": "absent"}
    if stat.S_ISLNK(st.st_mode):
        return {"state": "link", "src": os.readlink(path), **_owner(st)}
    state = {"mode": f"{stat.S_IMODE(st.st_mode):04o}", **_owner(st)}
    if stat.S_ISDIR(st.st_mode):
        return {"state": "directory", **state}
    if stat.S_ISREG(st.st_mode):
        return {"state": "file", "sha1": _sha1(path), **state}
    return {"state": "other", **state}


def unit_states(units: list[str]) -> dict[str, dict[str, str]]:
    """ActiveState and UnitFileState of each unit, from one systemctl call."""
    if not units:
        return {}
    shown = subprocess.run(
        ["systemctl", "show", "--property=Id,ActiveState,UnitFileState", "--", *units],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # One block per unit, in the order asked, separated by blank lines.
    blocks = [
        dict(line.split("=", 1) for line in block.splitlines()) for block in shown.split("\n\n")
    ]
    if len(blocks) != len(units):
        raise ValueError(f"systemctl show gave {len(blocks)} units for the {len(units)} asked")
    return {
        unit: {"active": block.get("ActiveState", ""), "enabled": block.get("UnitFileState", "")}
        for unit, block in zip(units, blocks)  # noqa: B905 (zip's strict= needs Python 3.10)
    }


def package_states(packages: list[str]) -> dict[str, bool]:
    """Whether dpkg has each package installed."""
    if not packages:
        return {}
    listed = subprocess.run(
        ["dpkg-query", "--show", "--showformat=${Package} ${db:Status-Status}\\n", "--", *packages],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    installed = {
        fields[0].split(":")[0]
        for fields in (line.split() for line in listed.splitlines())
        if len(fields) == 2 and fields[1] == "installed"
    }
    return {name: name in installed for name in packages}


def user_state(name: str) -> dict[str, Any] | None:
    """A user's primary group, home, shell and other groups; None if absent."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    try:
        primary = grp.getgrgid(entry.pw_gid).gr_name
    except KeyError:
        primary = str(entry.pw_gid)
    others = sorted(g.gr_name for g in grp.getgrall() if name in g.gr_mem)
    return {
        "uid": entry.pw_uid,
        "group": primary,
        "home": entry.pw_dir,
        "shell": entry.pw_shell,
        "groups": others,
    }


def group_state(name: str) -> dict[str, Any] | None:
    """A group's id and members; None if absent."""
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return None
    return {"gid": entry.gr_gid, "members": sorted(entry.gr_mem)}


def host_state(query: dict[str, list[str]]) -> dict[str, Any]:
    """The state of the paths, units, packages, users and groups the query names."""
    return {
        "paths": {path: path_state(path) for path in query.get("paths", [])},
        "units": unit_states(query.get("units", [])),
        "packages": package_states(query.get("packages", [])),
        "users": {name: user_state(name) for name in query.get("users", [])},
        "groups": {name: group_state(name) for name in query.get("groups", [])},
    }


def memory_mb() -> int:
    with open(MEMINFO) as lines:
        for line in lines:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise HostStateError(f"{MEMINFO} has no MemTotal line")


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


def resources(name: str | None = None) -> dict[str, Any]:
    """What Ansible's facts lack, and cost seconds to gather: the glibc, CPUs, memory.

    The glibc version says which wheels the host can run; the CPUs are the
    ones this process may run on. NAME is an account to look up, if any.
    """
    glibc = platform.libc_ver()[1]
    if not glibc:
        # Wheels are chosen by glibc version; without one none can be picked.
        raise HostStateError("cannot find the C library's version (is this a glibc system?)")
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


def connection_port(pid: int | None = None, proc: Path = PROC) -> int | None:
    """The port of the SSH connection that PID (this process) came in through, or None.

    The last field of SSH_CONNECTION, as this host sees it (after any port
    forwarding on the way). sudo leaves that variable out of root's
    environment, so it is read from the nearest process above that still
    has it (the login session's).
    """
    pid = os.getpid() if pid is None else pid
    while pid > 1:
        try:
            found = environment(pid, proc).get(b"SSH_CONNECTION")
            if found is None:
                pid = parent_pid(pid, proc)
                continue
        except (OSError, ValueError):
            # Another user's process: no SSH session of ours above it.
            return None
        fields = found.split()
        return int(fields[3]) if len(fields) == 4 and fields[3].isdigit() else None
    return None


def sshd_ports() -> tuple[list[int], str | None]:
    """The ports sshd is configured to listen on, and why `sshd -T` failed (or None).

    No ports and no error without sshd.
    """
    if not os.path.exists(SSHD):
        return [], None
    result = subprocess.run([SSHD, "-T"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return [], (result.stderr.strip() or f"exit status {result.returncode}")
    found = (PORT_LINE.fullmatch(line) for line in result.stdout.splitlines())
    return sorted({int(match.group(1)) for match in found if match}), None


def ssh_ports() -> dict[str, Any]:
    """The TCP ports that SSH needs open on this host."""
    ports, error = sshd_ports()
    return {"connection_port": connection_port(), "sshd_ports": ports, "sshd_error": error}
