"""Report, in one call, the state of everything a role manages on a host.

Each module task costs a round trip (SSH, sudo, a Python start): half a
second. A role reads its files, units, packages and accounts here first,
and then runs only the tasks whose target differs from what it wants, so a
run with nothing to change costs one round trip per role.

Runs on the host with its own python3 (3.9 or newer), standard library only.
Its one argument is a JSON object (base64), all keys optional:

    {"paths": [...], "units": [...], "packages": [...], "users": [...], "groups": [...]}

It prints one JSON object with the same keys, each mapping a name to its
state (see the functions below), or exits 1 with one line on stderr.
"""

from __future__ import annotations

import base64
import grp
import hashlib
import json
import os
import pwd
import stat
import subprocess
import sys
from typing import Any

CHUNK = 1 << 16


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
    return {
        "paths": {path: path_state(path) for path in query.get("paths", [])},
        "units": unit_states(query.get("units", [])),
        "packages": package_states(query.get("packages", [])),
        "users": {name: user_state(name) for name in query.get("users", [])},
        "groups": {name: group_state(name) for name in query.get("groups", [])},
    }


def main(argv: list[str]) -> int:
    try:
        if len(argv) != 1:
            raise ValueError("expects one argument: the query, as base64 JSON")
        query = json.loads(base64.b64decode(argv[0]))
        print(json.dumps(host_state(query)))
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        print(f"host-state.py: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
