"""plainvm.asgi.host_state's look at SSH: the ports sshd listens on, and this connection's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from tests.modules import collection

ROOT = Path(__file__).resolve().parents[1]
host_state = collection("module_utils.host_state")
host_state_module = collection("modules.host_state")


def process(proc: Path, pid: int, parent: int, environ: bytes | None, name: str = "sh") -> None:
    """A process in a fake /proc: its stat line, and its environment unless None (unreadable)."""
    (proc / str(pid)).mkdir(parents=True)
    (proc / str(pid) / "stat").write_text(f"{pid} ({name}) S {parent} {pid} {pid} 0 -1\n")
    if environ is not None:
        (proc / str(pid) / "environ").write_bytes(environ)


def sshd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """An sshd that runs the shell SCRIPT."""
    command = tmp_path / "sshd"
    command.write_text(f"#!/bin/sh\n{script}\n")
    command.chmod(0o755)
    monkeypatch.setattr(host_state, "SSHD", str(command))


def test_the_connection_port_is_read_from_the_nearest_process_that_has_it(
    tmp_path: Path,
) -> None:
    # python3 (root, no SSH_CONNECTION: sudo left it out) < sudo < the login shell.
    process(tmp_path, 300, 200, b"PATH=/usr/bin\0HOME=/root\0")
    # A command name may hold spaces and parentheses.
    process(tmp_path, 200, 100, b"SUDO_USER=admin\0", name="sudo (x) y")
    process(tmp_path, 100, 1, b"USER=admin\0SSH_CONNECTION=10.0.0.1 51000 10.0.0.2 2222\0")
    process(tmp_path, 1, 0, b"SSH_CONNECTION=10.0.0.1 1 10.0.0.2 9999\0")
    assert host_state.connection_port(300, tmp_path) == 2222


def test_no_ssh_connection_gives_no_port(tmp_path: Path) -> None:
    process(tmp_path, 300, 200, b"PATH=/usr/bin\0")
    process(tmp_path, 200, 1, b"PATH=/usr/bin\0")
    assert host_state.connection_port(300, tmp_path) is None
    # Another user's process above: its environment cannot be read.
    process(tmp_path, 500, 400, b"PATH=/usr/bin\0")
    process(tmp_path, 400, 100, None)
    assert host_state.connection_port(500, tmp_path) is None
    # A value that is not "client port server port".
    process(tmp_path, 700, 1, b"SSH_CONNECTION=10.0.0.1 51000 10.0.0.2\0")
    assert host_state.connection_port(700, tmp_path) is None


def test_sshd_ports_are_its_port_and_listenaddress_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sshd(
        tmp_path,
        monkeypatch,
        'test "$1" = -T || exit 9\n'
        "printf 'port 22\\nport 2222\\naddressfamily any\\nlistenaddress [::]:22\\n"
        "listenaddress 10.0.0.2:2200\\nlistenaddress 0.0.0.0\\nx11displayoffset 10\\n'",
    )
    assert host_state.sshd_ports() == ([22, 2200, 2222], None)


def test_a_failing_sshd_gives_its_error_and_no_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sshd(tmp_path, monkeypatch, "echo 'sshd: no hostkeys available -- exiting.' >&2; exit 1")
    assert host_state.sshd_ports() == ([], "sshd: no hostkeys available -- exiting.")
    sshd(tmp_path, monkeypatch, "exit 255")
    assert host_state.sshd_ports() == ([], "exit status 255")


def test_a_host_without_sshd_gives_no_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(host_state, "SSHD", str(tmp_path / "missing"))
    assert host_state.sshd_ports() == ([], None)


def test_the_module_reports_the_ports_ssh_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sshd(tmp_path, monkeypatch, "printf 'port 2222\\n'")
    monkeypatch.setattr(host_state, "connection_port", lambda: 2200)
    with patch_module_args({"sshd": True}), pytest.raises(SystemExit):
        host_state_module.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert result["changed"] is False
    assert (result["connection_port"], result["sshd_ports"], result["sshd_error"]) == (
        2200,
        [2222],
        None,
    )
