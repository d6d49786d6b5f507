"""plainvm.asgi.host_state: what it reports of paths, units, packages and accounts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from tests.modules import collection, run

ROOT = Path(__file__).resolve().parents[1]
host_state = collection("module_utils.host_state")
host_state_module = collection("modules.host_state")


def run_module(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run(host_state_module, args, capsys)


def fake_command(directory: Path, name: str, script: str) -> None:
    """A command NAME in DIRECTORY that runs the shell SCRIPT."""
    command = directory / name
    command.write_text(f"#!/bin/sh\n{script}\n")
    command.chmod(0o755)


def test_paths_are_described_as_the_file_modules_compare_them(tmp_path: Path) -> None:
    file = tmp_path / "unit.service"
    file.write_text("[Unit]\n")
    file.chmod(0o640)
    (tmp_path / "dir").mkdir(mode=0o750)
    (tmp_path / "dir").chmod(0o750)
    (tmp_path / "current").symlink_to("releases/abc")
    paths = host_state.host_state(
        {
            "paths": [
                str(file),
                str(tmp_path / "dir"),
                str(tmp_path / "current"),
                str(tmp_path / "missing"),
            ]
        }
    )["paths"]
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
    state = host_state.host_state(
        {
            "users": ["root", "no-such-user-here"],
            "groups": ["root", "no-such-group-here"],
            "packages": ["dpkg", "no-such-package-here"],
        }
    )
    assert state["users"]["root"]["home"] == "/root"
    assert state["users"]["root"]["group"] == "root"
    assert state["users"]["no-such-user-here"] is None
    assert state["groups"]["root"]["gid"] == 0
    assert state["groups"]["no-such-group-here"] is None
    assert state["packages"] == {"dpkg": True, "no-such-package-here": False}


def test_units_are_read_in_the_order_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_command(
        tmp_path,
        "systemctl",
        'printf "Id=a.service\\nActiveState=active\\nUnitFileState=enabled\\n\\n'
        'Id=b.socket\\nActiveState=inactive\\nUnitFileState=\\n"',
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert host_state.unit_states(["a.service", "b.socket"]) == {
        "a.service": {"active": "active", "enabled": "enabled"},
        "b.socket": {"active": "inactive", "enabled": ""},
    }
    with pytest.raises(ValueError, match="gave 2 units for the 3 asked"):
        host_state.unit_states(["a.service", "b.socket", "c.timer"])


def test_the_module_returns_the_state_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "current").symlink_to("releases/abc")
    result = run_module(
        {"paths": [str(tmp_path / "current")], "users": ["no-such-user-here"]}, capsys
    )
    assert result["changed"] is False
    assert "failed" not in result
    assert result["paths"][str(tmp_path / "current")]["src"] == "releases/abc"
    assert result["users"] == {"no-such-user-here": None}
    # Every section of the query comes back, the ones not asked for empty;
    # the others only when asked for.
    assert (result["units"], result["packages"], result["groups"]) == ({}, {}, {})
    assert not {"python", "memory_mb", "account", "sshd_ports"} & set(result)


def test_a_host_it_cannot_read_fails_the_module_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_command(
        tmp_path, "systemctl", "echo 'System has not been booted with systemd' >&2; exit 1"
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    result = run_module({"units": ["nftables.service"]}, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("cannot read the host's state: Command '['systemctl'")
    assert "\n" not in result["msg"]


def test_a_query_it_cannot_read_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """The options are checked by AnsibleModule before anything is read."""
    result = run_module({"paths": ["/etc/hosts"], "resources": "perhaps"}, capsys)
    assert result["failed"] is True
    assert "resources" in result["msg"]
    assert "paths" not in result


def test_the_module_supports_check_mode(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module({"_ansible_check_mode": True, "groups": ["root"]}, capsys)
    assert "skipped" not in result
    assert result["changed"] is False
    assert result["groups"]["root"]["gid"] == 0
