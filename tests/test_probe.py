"""The host probe: what it reports, how it fails, and that a bookworm host can run it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "roles/app/files/probe.py"
probe = load_script(PROBE, "probe")


def test_reports_the_host_as_json() -> None:
    result = subprocess.run(
        [sys.executable, str(PROBE)], capture_output=True, text=True, check=True
    )
    facts = json.loads(result.stdout)
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
    result = subprocess.run(
        [sys.executable, str(PROBE), "root"], capture_output=True, text=True, check=True
    )
    root = json.loads(result.stdout)["account"]
    assert root["user"]["home"] == "/root"
    assert "members" in root["group"]
    result = subprocess.run(
        [sys.executable, str(PROBE), "no-such-account-here"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["account"] == {"user": None, "group": None}


def test_a_host_it_cannot_read_is_one_line_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemFree: 1 kB\n")
    monkeypatch.setattr(probe, "MEMINFO", str(meminfo))
    assert probe.main() == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"probe.py: error: {meminfo} has no MemTotal line\n"

    monkeypatch.setattr(probe, "MEMINFO", str(tmp_path / "missing"))
    assert probe.main() == 1
    assert capsys.readouterr().err.startswith("probe.py: error: [Errno 2] No such file")


def test_runs_on_the_oldest_python_of_a_supported_host() -> None:
    """Debian 12's python3 is 3.11, but the probe keeps to 3.9 and the standard library."""
    tree = ast.parse(PROBE.read_text(), feature_version=(3, 9))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= sys.stdlib_module_names | {"__future__"}
