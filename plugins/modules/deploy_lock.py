"""Ansible module: take or give back the app's deploy lock on its host."""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: deploy_lock
short_description: Take or give back the deploy lock that lets one run at a time change the app
description:
  - "The lock is the directory I(path), which C(mkdir) makes or refuses atomically: of two runs
    that take it at once, one makes it and the other finds it held. The app role's is
    C(/srv/NAME/deploy.lock)."
  - "Layout: the lock's parent, the app's directory, is made where it is missing and kept
    C(root:root), mode C(0755). The lock's directory is root's, mode C(0700), and holds one
    file, C(holder.json), root's, mode C(0600): the record of the run that holds the lock,
    written whole (a new file renamed over the old one). A lock still without C(holder.json)
    a second after it was found was left by a run stopped between the C(mkdir) and the
    write."
  - "C(holder.json) is a JSON object naming a run of ansible-playbook:
    C(controller), the controller's host name;
    C(user), the user who ran ansible-playbook there;
    C(pid), the process id of that ansible-playbook (an integer);
    C(started), when that process started, as C(YYYY-MM-DD HH:MM:SS UTC) (empty where unknown);
    C(machine_id), the controller's C(/etc/machine-id);
    C(boot_id), its kernel's boot id;
    C(pid_namespace), the pid namespace of the run, as C(pid:[NUMBER]);
    C(nonce), 32 hexadecimal digits drawn at random once per run."
  - "The action plugin of the same name makes this run's record on the controller, once per
    run of ansible-playbook (the same on every host and in every play), and judges there
    whether the run that holds a lock has ended. A holder that ran on this very controller
    (the same machine id, boot id and pid namespace, not merely the same host name) and whose
    ansible-playbook (its pid, with the same start time) is gone was stopped: its lock is
    taken over. Any other holder may still be running: the task fails and names it, unless
    I(force)."
  - "A lock that holds this run's record (the same nonce) is this run's already: taking it
    again succeeds and changes nothing."
  - Taking the lock and giving it back are not reported as changes, since a run gives back
    what it takes; making or fixing the app's directory is, and so is removing another run's
    lock.
  - In check mode, nothing is made, written or removed; the result says what would be.
  - The messages name the app role's variable C(app__deploy_lock_break), which sets I(force).
options:
  path:
    description: The lock's directory.
    type: path
    required: true
  state:
    description:
      - C(present) takes the lock; C(absent) gives it back, removing the lock's directory
        whoever holds it.
    type: str
    choices: [present, absent]
    default: present
  force:
    description: Take over the lock from any other run, even one that may still be running.
    type: bool
    default: false
  run:
    description:
      - This run's record, as C(holder.json) holds it. Set by the action plugin; a task does
        not set it.
    type: dict
  replace:
    description:
      - The record of a run that the action plugin found gone. The lock is taken over only
        while C(holder.json) still holds that very record. Set by the action plugin; a task
        does not set it.
    type: dict
author: plainvm contributors
"""

EXAMPLES = r"""
- name: Take the deploy lock
  plainvm.asgi.deploy_lock:
    path: /srv/shop/deploy.lock
  register: lock

- name: Give the deploy lock back
  plainvm.asgi.deploy_lock:
    path: /srv/shop/deploy.lock
    state: absent
"""

RETURN = r"""
holder:
  description:
    - The record that C(holder.json) held before the task; empty when the lock was free or its
      holder left no record.
  type: dict
  returned: always
held:
  description: Whether another run held the lock before the task (also when it was taken over).
  type: bool
  returned: always
taken:
  description:
    - Whether the task took the lock, making it or taking it over (in check mode, whether it
      would). False when the lock was this run's already, or another run keeps it.
  type: bool
  returned: always
taken_over:
  description: Whether the task replaced another run's record with this run's.
  type: bool
  returned: always
stale:
  description: Whether the run that held the lock is known to have ended, as the controller sees.
  type: bool
  returned: when another run held the lock
run:
  description: This run's record, which C(holder.json) holds while this run holds the lock.
  type: dict
  returned: always
msg:
  description: Whose lock the task took over, and why it could.
  type: str
  returned: when the lock was taken over
"""

HOLDER = "holder.json"
# The app's directory is open to read; the lock and its record are root's alone.
PARENT_MODE = 0o755
LOCK_MODE = 0o700
HOLDER_MODE = 0o600
# How long a lock without a record is given for its maker to write one.
RECORD_WAITS = 10
RECORD_WAIT = 0.1


class LockError(Exception):
    """The lock cannot be taken or read; the message says why."""


def read_holder(lock: Path) -> dict[str, Any]:
    """The record in the lock's holder.json; empty where there is none, or no object."""
    try:
        record = json.loads((lock / HOLDER).read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def write_holder(lock: Path, record: dict[str, Any]) -> None:
    """Make RECORD the lock's holder.json, whole: a reader sees the old one or the new one."""
    draft = lock / f"{HOLDER}.new"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, HOLDER_MODE)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(record, indent=4, sort_keys=True) + "\n")
    os.replace(draft, lock / HOLDER)


def keep_parent(directory: Path, owner: tuple[int, int], check_mode: bool) -> bool:
    """Make DIRECTORY, or make it OWNER's and mode 0755 where it is not; whether it changed."""
    try:
        found = os.stat(directory)
    except FileNotFoundError:
        if not check_mode:
            os.makedirs(directory, PARENT_MODE)
            os.chown(directory, *owner)
            os.chmod(directory, PARENT_MODE)
        return True
    if not stat.S_ISDIR(found.st_mode):
        raise LockError(f"cannot make the lock in {directory}: it is not a directory")
    differs = (found.st_uid, found.st_gid) != owner or stat.S_IMODE(found.st_mode) != PARENT_MODE
    if differs and not check_mode:
        os.chown(directory, *owner)
        os.chmod(directory, PARENT_MODE)
    return differs


def take(
    lock: Path,
    run: dict[str, Any],
    force: bool = False,
    replace: dict[str, Any] | None = None,
    owner: tuple[int, int] = (0, 0),
    check_mode: bool = False,
) -> dict[str, Any]:
    """Take LOCK for RUN, unless another run holds it; the module's result.

    OWNER owns the lock's parent: root on a host.
    """
    changed = keep_parent(lock.parent, owner, check_mode)
    result = {"changed": changed, "run": run, "holder": {}, "held": False, "taken_over": False}
    if check_mode:
        made = not os.path.lexists(lock)
    else:
        try:
            os.mkdir(lock, LOCK_MODE)
            made = True
        except FileExistsError:
            made = False
    if made:
        if not check_mode:
            try:
                write_holder(lock, run)
            except BaseException:
                # A lock without a record would be refused to every run until broken.
                shutil.rmtree(lock, ignore_errors=True)
                raise
        return {**result, "taken": True}
    if not lock.is_dir():
        raise LockError(f"cannot make {lock}: something else has its name")
    holder = read_holder(lock)
    # The run that made the lock writes its record next: a run that lost the
    # race to it by a hair names it all the same.
    for _ in range(RECORD_WAITS):
        if holder or not lock.is_dir():
            break
        time.sleep(RECORD_WAIT)
        holder = read_holder(lock)
    if run.get("nonce") and holder.get("nonce") == run["nonce"]:
        return {**result, "holder": holder, "taken": False}
    takes = force or (replace is not None and holder == replace)
    if takes and not check_mode:
        write_holder(lock, run)
    return {**result, "holder": holder, "held": True, "taken": takes, "taken_over": takes}


def give_back(lock: Path, run: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Remove LOCK, whoever holds it; the module's result.

    Removing this run's own lock leaves the host as the run found it: no change.
    """
    if not lock.is_dir():
        return {"changed": False, "run": run, "holder": {}, "held": False, "taken": False}
    holder = read_holder(lock)
    if not check_mode:
        shutil.rmtree(lock)
    others = not run.get("nonce") or holder.get("nonce") != run["nonce"]
    return {"changed": others, "run": run, "holder": holder, "held": others, "taken": False}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "force": {"type": "bool", "default": False},
            "run": {"type": "dict"},
            "replace": {"type": "dict"},
        },
        supports_check_mode=True,
    )
    lock = Path(module.params["path"])
    if not module.params["run"]:
        module.fail_json(msg="run, this run's record, is missing: the action plugin sets it")
    try:
        if module.params["state"] == "absent":
            result = give_back(lock, module.params["run"], module.check_mode)
        else:
            result = take(
                lock,
                module.params["run"],
                force=module.params["force"],
                replace=module.params["replace"],
                check_mode=module.check_mode,
            )
    except (LockError, OSError) as error:
        module.fail_json(msg=str(error))
    module.exit_json(**{"taken_over": False, **result})


if __name__ == "__main__":
    main()
