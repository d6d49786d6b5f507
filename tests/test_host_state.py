"""The platform role's look: what it reports of paths, packages and accounts."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "roles/platform/files/host-state.py"
host_state = load_script(SCRIPT, "host_state")


def look(query: dict[str, list[str]]) -> subprocess.CompletedProcess[str]:
    encoded = base64.b64encode(json.dumps(query).encode()).decode()
    return subprocess.run(
        [sys.executable, str(SCRIPT), encoded], capture_output=True, text=True, check=False
    )


def test_paths_are_described_as_the_file_modules_compare_them(tmp_path: Path) -> None:
    file = tmp_path / "unit.service"
    file.write_text("[Unit]\n")
    file.chmod(0o640)
    (tmp_path / "dir").mkdir(mode=0o750)
    (tmp_path / "dir").chmod(0o750)
    (tmp_path / "current").symlink_to("releases/abc")
    result = look(
        {
            "paths": [
                str(file),
                str(tmp_path / "dir"),
                str(tmp_path / "current"),
                str(tmp_path / "missing"),
            ]
        }
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads(result.stdout)["paths"]
    owner = {
        "owner": host_state.pwd.getpwuid(os.getuid())[0],
        "group": host_state.grp.getgrgid(os.getgid())[0],
    }
    assert paths[str(file)] == {
        "state": "file",
        "mode": "0640",
        "sha1": hashlib.sha1(b"[Unit]\n").hexdigest(),
        **owner,
    }
    assert paths[str(tmp_path / "dir")] == {"state": "directory", "mode": "0750", **owner}
    assert paths[str(tmp_path / "current")] == {"state": "link", "src": "releases/abc", **owner}
    assert paths[str(tmp_path / "missing")] == {"state": "absent"}


def test_accounts_and_packages() -> None:
    result = look(
        {
            "users": ["root", "no-such-user-here"],
            "groups": ["root", "no-such-group-here"],
            "packages": ["dpkg", "no-such-package-here"],
        }
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["users"]["root"]["home"] == "/root"
    assert state["users"]["root"]["group"] == "root"
    assert state["users"]["no-such-user-here"] is None
    assert state["groups"]["root"]["gid"] == 0
    assert state["groups"]["no-such-group-here"] is None
    assert state["packages"] == {"dpkg": True, "no-such-package-here": False}


def test_a_query_it_cannot_read_is_one_line_on_stderr() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "not base64 json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("host-state.py: error:")
    assert result.stderr.count("\n") == 1
