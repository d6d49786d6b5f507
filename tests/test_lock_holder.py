"""The deploy lock's holder: how a run is named, and when its lock is judged stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "roles/app/files/lock-holder.py"
holder = load_script(SCRIPT, "lock_holder")

# A pid above Linux's largest (4194304): never a live process.
DEAD_PID = 4194305


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def test_a_run_is_named_by_its_machine_boot_namespace_and_a_nonce() -> None:
    first, second = (json.loads(run().stdout) for _ in range(2))
    assert first["machine_id"] and first["boot_id"] and first["pid_namespace"].startswith("pid:[")
    assert first["machine_id"] == Path("/etc/machine-id").read_text().strip()
    assert len(first["nonce"]) == 32
    # Two runs on the same controller differ by their nonce.
    assert first["nonce"] != second["nonce"]


def test_a_gone_run_of_this_controller_is_stale() -> None:
    gone = {**holder.this_run(), "pid": DEAD_PID, "started": "2000-01-01 00:00:00 UTC"}
    assert holder.alive(gone) is False


def test_a_live_run_of_this_controller_is_alive_and_a_reused_pid_is_not() -> None:
    me = {**holder.place(), "pid": os.getpid(), "started": holder.start_time(os.getpid())}
    assert holder.alive(me) is True
    assert holder.alive({**me, "started": "2000-01-01 00:00:00 UTC"}) is False


def test_a_controller_with_the_same_host_name_is_never_judged_from_here() -> None:
    gone_here = {**holder.this_run(), "pid": DEAD_PID, "started": "2000-01-01 00:00:00 UTC"}
    for key in ("machine_id", "boot_id", "pid_namespace"):
        elsewhere = {**gone_here, key: "0" * 32}
        assert holder.alive(elsewhere) is True, key
    # A record from before machine ids were kept: nothing says where it ran.
    old = {"controller": gone_here["controller"], "user": "root", "pid": DEAD_PID, "started": ""}
    assert holder.alive(old) is True


def test_the_command_line_answers_for_a_holder_and_refuses_bad_json() -> None:
    gone = {**holder.this_run(), "pid": DEAD_PID}
    assert json.loads(run("--alive", json.dumps(gone)).stdout) == {"alive": False}
    assert json.loads(run("--alive", json.dumps({**gone, "machine_id": "x"})).stdout) == {
        "alive": True
    }
    bad = run("--alive", "{not json")
    assert bad.returncode == 1
    assert "not a holder's JSON" in bad.stderr
