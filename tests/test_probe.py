"""plainvm.asgi.host_state's look at the host's resources: what it reports, how it fails,
and that a bookworm host can run it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.modules import collection, run

ROOT = Path(__file__).resolve().parent.parent
host_state = collection("module_utils.host_state")
host_state_module = collection("modules.host_state")
COLLECTION_UTILS = "ansible_collections.plainvm.asgi.plugins.module_utils."
# What runs on the host: the module and the helpers it imports.
SHIPPED = [
    ROOT / "plugins/modules/host_state.py",
    ROOT / "plugins/module_utils/host_state.py",
    ROOT / "plugins/module_utils/host.py",
]


def run_module(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run(host_state_module, args, capsys)


def test_reports_the_host() -> None:
    facts = host_state.resources()
    assert facts["python"] == "{}.{}".format(*sys.version_info[:2])
    assert facts["glibc"].count(".") >= 1
    assert facts["cpus"] >= 1
    assert facts["memory_mb"] > 0
    assert set(facts) == {
        "python",
        "glibc",
        "arch",
        "cpus",
        "memory_mb",
        "account",
    }
    assert facts["account"] is None


def test_reports_the_account_of_a_name() -> None:
    """The app's name: whose account it is, if any (the role refuses another's)."""
    root = host_state.resources("root")["account"]
    assert root["user"]["home"] == "/root"
    assert "members" in root["group"]
    missing = host_state.resources("no-such-account-here")["account"]
    assert missing == {"user": None, "group": None}


def test_the_module_reports_the_host_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_module({"resources": True, "account": "root"}, capsys)
    assert result["changed"] is False
    assert result["python"] == "{}.{}".format(*sys.version_info[:2])
    assert result["memory_mb"] > 0
    assert result["account"]["user"]["home"] == "/root"


def test_a_host_it_cannot_read_fails_the_module_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemFree: 1 kB\n")
    monkeypatch.setattr(host_state, "MEMINFO", str(meminfo))
    result = run_module({"resources": True}, capsys)
    assert result["failed"] is True
    assert result["msg"] == f"cannot read the host's state: {meminfo} has no MemTotal line"
    assert "memory_mb" not in result

    monkeypatch.setattr(host_state, "MEMINFO", str(tmp_path / "missing"))
    result = run_module({"resources": True}, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("cannot read the host's state: [Errno 2] No such file")


def test_a_host_without_glibc_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(host_state.platform, "libc_ver", lambda: ("", ""))
    result = run_module({"resources": True}, capsys)
    assert result["failed"] is True
    assert "cannot find the C library's version" in result["msg"]


def imports(tree: ast.AST) -> set[str]:
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_runs_on_the_oldest_python_of_a_supported_host(path: Path) -> None:
    """Debian 12's python3 is 3.11, but the module keeps to 3.9 and the standard library
    (and the module_utils that Ansible sends along)."""
    tree = ast.parse(path.read_text(), feature_version=(3, 9))
    others = {
        name
        for name in imports(tree)
        if not name.startswith(("ansible.module_utils.", COLLECTION_UTILS))
    }
    assert {name.split(".")[0] for name in others} <= sys.stdlib_module_names | {"__future__"}
