"""What the collection's modules read on a host: systemd units, links and /proc.

Shared by every module that looks at a host, so that each fact is read one way.
Standard library only: the modules run with the host's own Python 3.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROC = Path("/proc")


def systemd_properties(unit: str, names: list[str]) -> dict[str, str]:
    """The unit's properties NAMES as systemctl shows them (empty where unset)."""
    result = subprocess.run(
        ["systemctl", "show", unit, *(f"--property={name}" for name in names)],
        check=True,
        capture_output=True,
        text=True,
    )
    pairs = (line.partition("=") for line in result.stdout.splitlines())
    return {name: value for name, _, value in pairs if name}


def link_release(path: Path) -> str:
    """The release a link such as /srv/NAME/current points at; empty when it is no link."""
    return os.path.basename(os.readlink(path)) if path.is_symlink() else ""


def read_line(path: str | Path) -> str:
    """A one-line file's text; empty where it is missing or unreadable."""
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def stat_fields(pid: int, proc: Path = PROC) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...)."""
    text = (proc / str(pid) / "stat").read_text()
    # The command name, in parentheses, may hold spaces and parentheses.
    return text.rpartition(")")[2].split()


def parent_pid(pid: int, proc: Path = PROC) -> int:
    """The process's parent."""
    return int(stat_fields(pid, proc)[1])


def environment(pid: int, proc: Path = PROC) -> dict[bytes, bytes]:
    """The process's environment, as bytes (it need not be text)."""
    data = (proc / str(pid) / "environ").read_bytes()
    pairs = (item.partition(b"=") for item in data.split(b"\0") if item)
    return {name: value for name, _, value in pairs}
