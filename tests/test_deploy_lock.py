"""The deploy lock: how a run is named, when its lock is judged stale, and how it is taken."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.modules import collection, run

ROOT = Path(__file__).resolve().parent.parent

holder = collection("module_utils.deploy_lock")
module = collection("modules.deploy_lock")

# A pid above Linux's largest (4194304): never a live process.
DEAD_PID = 4194305
# The lock's parent belongs to root on a host; here, to whoever runs the tests.
ME = (os.getuid(), os.getgid())


def test_a_run_is_named_by_its_machine_boot_namespace_and_a_nonce() -> None:
    first, second = holder.this_run(), holder.this_run()
    assert first["machine_id"] and first["boot_id"] and first["pid_namespace"].startswith("pid:[")
    assert first["machine_id"] == Path("/etc/machine-id").read_text().strip()
    assert len(first["nonce"]) == 32
    # Two runs on the same controller differ by their nonce.
    assert first["nonce"] != second["nonce"]


def test_a_run_is_named_once_for_all_its_tasks(tmp_path: Path) -> None:
    run, other = tmp_path / "run", tmp_path / "other"
    run.mkdir()
    other.mkdir()
    first = holder.run_record(run)
    assert holder.run_record(run) == first
    assert json.loads((run / holder.RUN_FILE).read_text()) == first
    # Another ansible-playbook, another temporary directory: another run.
    assert holder.run_record(other)["nonce"] != first["nonce"]
    # No draft is left behind.
    assert sorted(path.name for path in run.iterdir()) == [holder.RUN_FILE]


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


def test_the_controller_answers_for_a_holder_and_a_record_that_is_none(tmp_path: Path) -> None:
    gone = {**holder.this_run(), "pid": DEAD_PID}
    assert holder.alive(gone) is False
    assert holder.alive({**gone, "machine_id": "x"}) is True
    # A holder.json that is not a holder's JSON names no run: it may be alive.
    lock = tmp_path / "deploy.lock"
    lock.mkdir()
    (lock / "holder.json").write_text("{not json")
    assert module.read_holder(lock) == {}
    assert holder.alive(module.read_holder(lock)) is True
    (lock / "holder.json").write_text("[1, 2]")
    assert module.read_holder(lock) == {}


PLANTED = {
    "controller": "ci-runner",
    "user": "nobody",
    "pid": 4194303,
    "started": "2000-01-01 00:00:00 UTC",
    "machine_id": "0123456789abcdef0123456789abcdef",
    "boot_id": "x",
    "pid_namespace": "x",
    "nonce": "x",
}


def test_a_refusal_names_the_holder() -> None:
    assert holder.refusal("/srv/server/deploy.lock", PLANTED) == (
        "The deploy lock /srv/server/deploy.lock is held by user nobody on ci-runner"
        " (machine 0123456789ab, ansible-playbook pid 4194303, started 2000-01-01 00:00:00 UTC):"
        " another run is changing the app, so this one changed nothing. If that run is gone"
        " (its controller stopped or lost the connection), break the lock with"
        " -e app__deploy_lock_break=true."
    )
    assert "is held by a run that left no record: another run" in holder.refusal("/l", {})


def test_a_takeover_says_whose_lock_and_why() -> None:
    assert holder.takeover(PLANTED, True) == (
        "The deploy lock was left by nobody on ci-runner (pid 4194303, started"
        " 2000-01-01 00:00:00 UTC), which is gone: this run took over the deploy lock."
    )
    assert holder.takeover({}, False) == (
        "The deploy lock was left by a run on an unknown controller (pid unknown, started at an"
        " unknown time), which app__deploy_lock_break breaks: this run took over the deploy lock."
    )


# The module, on a directory of the tests' own: the app's directory is
# tmp_path/app, its lock tmp_path/app/deploy.lock.


def run_of(nonce: str) -> dict[str, Any]:
    return {**PLANTED, "controller": "here", "user": "me", "nonce": nonce}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_free_lock_is_taken_and_its_holder_recorded(tmp_path: Path) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("a" * 32)
    result = module.take(lock, run, owner=ME)
    assert result["taken"] is True and result["held"] is False and result["taken_over"] is False
    assert result["holder"] == {}
    # The app's directory was made, and stays: a change. The lock itself is none.
    assert result["changed"] is True
    assert (mode(lock.parent), mode(lock), mode(lock / "holder.json")) == (0o755, 0o700, 0o600)
    assert json.loads((lock / "holder.json").read_text()) == run
    assert sorted(path.name for path in lock.iterdir()) == ["holder.json"]


def test_this_runs_own_lock_is_taken_again_without_a_change(tmp_path: Path) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("a" * 32)
    module.take(lock, run, owner=ME)
    again = module.take(lock, run, owner=ME)
    assert (again["changed"], again["taken"], again["held"]) == (False, False, False)
    assert again["holder"] == run


def test_a_lock_held_by_another_run_is_left_to_it(tmp_path: Path) -> None:
    lock = tmp_path / "app" / "deploy.lock"
    module.take(lock, PLANTED, owner=ME)
    before = (lock / "holder.json").read_text()
    result = module.take(lock, run_of("b" * 32), owner=ME)
    assert (result["taken"], result["held"], result["changed"]) == (False, True, False)
    assert result["holder"] == PLANTED
    assert (lock / "holder.json").read_text() == before


def test_a_lock_is_taken_over_only_from_the_run_found_gone(tmp_path: Path) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("b" * 32)
    module.take(lock, PLANTED, owner=ME)
    # Another run took it over since the controller judged PLANTED gone.
    other = module.take(lock, run, replace={**PLANTED, "nonce": "y"}, owner=ME)
    assert (other["taken"], other["taken_over"]) == (False, False)
    assert module.read_holder(lock) == PLANTED
    over = module.take(lock, run, replace=PLANTED, owner=ME)
    assert (over["taken"], over["taken_over"], over["held"]) == (True, True, True)
    assert over["holder"] == PLANTED
    assert module.read_holder(lock) == run
    assert mode(lock / "holder.json") == 0o600


def test_force_takes_over_any_lock_even_one_without_a_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "RECORD_WAIT", 0.01)
    lock, run = tmp_path / "app" / "deploy.lock", run_of("b" * 32)
    lock.parent.mkdir(mode=0o755)
    lock.mkdir()
    refused = module.take(lock, run, owner=ME)
    assert (refused["taken"], refused["held"], refused["holder"]) == (False, True, {})
    forced = module.take(lock, run, force=True, owner=ME)
    assert (forced["taken"], forced["taken_over"], forced["changed"]) == (True, True, False)
    assert module.read_holder(lock) == run


def test_check_mode_takes_nothing(tmp_path: Path) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("a" * 32)
    result = module.take(lock, run, owner=ME, check_mode=True)
    assert (result["taken"], result["changed"]) == (True, True)
    assert not lock.parent.exists()
    module.take(lock, PLANTED, owner=ME)
    forced = module.take(lock, run, force=True, owner=ME, check_mode=True)
    assert (forced["taken"], forced["taken_over"]) == (True, True)
    assert module.read_holder(lock) == PLANTED
    kept = module.give_back(lock, PLANTED, check_mode=True)
    assert kept["changed"] is False and lock.is_dir()


def test_the_apps_directory_is_kept_roots_and_0755(tmp_path: Path) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("a" * 32)
    lock.parent.mkdir(mode=0o700)
    assert module.take(lock, run, owner=ME)["changed"] is True
    assert mode(lock.parent) == 0o755
    module.give_back(lock, run)
    assert module.take(lock, run, owner=ME)["changed"] is False
    (tmp_path / "file").write_text("")
    with pytest.raises(module.LockError, match="not a directory"):
        module.take(tmp_path / "file" / "deploy.lock", run, owner=ME)


def test_something_else_in_the_locks_place_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "app" / "deploy.lock"
    lock.parent.mkdir(mode=0o755)
    lock.write_text("")
    with pytest.raises(module.LockError, match="cannot make"):
        module.take(lock, run_of("a" * 32), owner=ME)


def test_no_lock_is_left_without_its_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(lock: Path, record: dict[str, Any]) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, "write_holder", full)
    lock = tmp_path / "app" / "deploy.lock"
    with pytest.raises(OSError, match="No space"):
        module.take(lock, run_of("a" * 32), owner=ME)
    assert not lock.exists()


def test_of_runs_that_take_a_lock_at_once_one_gets_it(tmp_path: Path) -> None:
    lock = tmp_path / "app" / "deploy.lock"
    lock.parent.mkdir(mode=0o755)
    runs = [run_of(f"{number:032x}") for number in range(8)]
    results: list[dict[str, Any]] = []
    start = threading.Barrier(len(runs))

    def take(run: dict[str, Any]) -> None:
        start.wait()
        results.append(module.take(lock, run, owner=ME))

    threads = [threading.Thread(target=take, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [result["run"] for result in results if result["taken"]]
    assert len(winners) == 1
    assert module.read_holder(lock) == winners[0]
    assert all(result["holder"] == winners[0] for result in results if not result["taken"])


def test_giving_back_this_runs_lock_changes_nothing_and_another_runs_does(tmp_path: Path) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("a" * 32)
    module.take(lock, run, owner=ME)
    mine = module.give_back(lock, run)
    assert (mine["changed"], mine["holder"]) == (False, run)
    assert not lock.exists() and lock.parent.is_dir()
    assert module.give_back(lock, run)["changed"] is False
    module.take(lock, PLANTED, owner=ME)
    theirs = module.give_back(lock, run)
    assert (theirs["changed"], theirs["held"], theirs["holder"]) == (True, True, PLANTED)
    assert not lock.exists()


def run_module(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    return run(module, args, capsys)


def test_the_module_reads_in_check_mode_and_gives_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock, run = tmp_path / "app" / "deploy.lock", run_of("a" * 32)
    module.take(lock, PLANTED, owner=ME)
    read = run_module({"path": str(lock), "run": run, "_ansible_check_mode": True}, capsys)
    assert (read["taken"], read["held"], read["taken_over"]) == (False, True, False)
    assert read["holder"] == PLANTED and read["run"] == run
    given = run_module({"path": str(lock), "state": "absent", "run": run}, capsys)
    assert (given["changed"], given["holder"]) == (True, PLANTED)
    assert not lock.exists()
