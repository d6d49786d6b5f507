"""Ansible module: read and change the app role's record of switches."""

from __future__ import annotations

import contextlib
import copy
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.plainvm.asgi.plugins.module_utils.app_state import (
    dump_record,
    read_record,
    utc_now,
)

DOCUMENTATION = r"""
module: switch_record
short_description: Read and change the app role's record of switches
description:
  - The record of switches, C(/srv/NAME/switches.json), is root's note of which release replaced
    which on a host, when, and which backup of the app's databases undoes each switch. The app
    role changes it through this module alone; C(plainvm.asgi.app_state) and the status report
    read it.
  - The file is one JSON object, written with sorted keys and an indent of four spaces, without a
    final newline, owned by root with mode C(0600). Keys that this module does not know are kept.
  - C(switches) is a list of the switches, oldest first; only the last I(keep) are kept. Each is
    an object with C(time) (when it was recorded, UTC, C(2026-11-28T20:15:00Z)); C(kind)
    (C(deploy), C(rollback), or C(found) for a switch that a run saw made outside a finished run,
    one stopped between the switch and its record, or someone by hand); C(from) (the release live
    before, empty for the first switch of a host); C(to) (the release made live); C(backup) (the
    backup of the databases taken for leaving C(from), the one that a rollback of this switch
    restores, or null); C(databases) (the files of that backup, a list, empty without one).
  - A switch of C(kind) C(rollback) also has C(undoes) (the backup of the switch it undid, or
    null when it went elsewhere than that switch's C(from)), C(undoes_databases) and
    C(undoes_time) (that switch's C(databases) and C(time)); a later rollback with a restore
    restores C(undoes) when this one did not.
  - C(restored), on any switch, names the backup that the app's start restored for it (a rollback
    with C(app__restore_state)); null or absent when none was.
  - C(pending) is null, or the backup taken for leaving the live release that no switch has used
    yet, an object with C(live) (the release it was taken on), C(backup), C(databases), C(time)
    and C(migrated) (true when the attempt that took it may have run migrations since, so that a
    later deploy reuses it rather than take a new one). It is left by a deploy that backed up and
    then failed before its switch, or whose switch was taken off the record after the live
    release failed its check; it is there, with no switch after it, from the backup until the
    switch that uses it.
  - A host without a record yet reads as one with no switch and C(pending) null.
options:
  path:
    description: The record's file.
    type: path
    required: true
  state:
    description:
      - C(read) changes nothing.
      - C(switched) adds a switch from I(from) to I(to) of I(kind), at I(time), with I(details)
        added to its keys. A pending backup taken on I(from) goes with it (C(backup),
        C(databases)) and leaves C(pending); any other pending backup is dropped unless
        I(keep_pending).
      - C(restored) marks the last switch as restored with I(backup).
      - C(reverted) takes the last switch off the record (it did not take); with I(keep_backup)
        its backup becomes C(pending) again, as taken on its C(from) and C(migrated).
      - C(pending) sets C(pending) to I(pending); C(cleared) sets it to null.
      - C(pruned) keeps the last I(keep) switches, as every other change does too.
    type: str
    choices: [read, switched, restored, reverted, pending, cleared, pruned]
    default: read
  from:
    description: With C(switched), the release live before; empty when there was none.
    type: str
    default: ""
  to:
    description:
      - With C(switched), the release made live.
      - With C(restored) or C(reverted), when given, the release the last switch must lead to;
        the module fails, changing nothing, when it leads elsewhere.
    type: str
  kind:
    description: With C(switched), what made the switch.
    type: str
    choices: [deploy, rollback, found]
  time:
    description: With C(switched) and C(pending), the time recorded; now, in UTC, by default.
    type: str
  details:
    description: With C(switched), more keys of the switch (a rollback's C(undoes) and the like).
    type: dict
    default: {}
  keep_pending:
    description: With C(switched), keep a pending backup that was taken on another release.
    type: bool
    default: false
  backup:
    description: With C(restored), the backup that was restored.
    type: str
  keep_backup:
    description: With C(reverted), keep the switch's backup as C(pending), when it has one.
    type: bool
    default: false
  pending:
    description: With C(state=pending), the backup that the next switch from I(pending.live) uses.
    type: dict
    suboptions:
      live:
        description: The release the backup was taken on.
        type: str
        required: true
      backup:
        description: The backup's name.
        type: str
        required: true
      databases:
        description: The files the backup holds.
        type: list
        elements: str
        default: []
      migrated:
        description: Whether the databases may be migrated since the backup.
        type: bool
        default: false
  keep:
    description: How many switches are kept, the last ones, when the record changes.
    type: int
    default: 100
notes:
  - The file is written whole into a temporary file beside it, flushed to disk and renamed over
    it; a reader finds the old record or the new one, never part of one.
  - Reports C(changed) only when the file changes, for a new record or to make it root's with mode
    C(0600) again. Supports check mode (the record returned is the one that would be written) and
    diff mode.
author: plainvm contributors
"""

EXAMPLES = r"""
- name: Add the switch to the record
  plainvm.asgi.switch_record:
    path: /srv/shop/switches.json
    state: switched
    kind: deploy
    from: 1f2e3d4c5b6a
    to: 6a5b4c3d2e1f

- name: Keep the backup for the switch
  plainvm.asgi.switch_record:
    path: /srv/shop/switches.json
    state: pending
    pending:
      live: 1f2e3d4c5b6a
      backup: 20261128T201500Z-6a5b4c3d2e1f
      databases: [app.sqlite3]
"""

RETURN = r"""
record:
  description: The record after the change (in check mode, as it would be).
  type: dict
  returned: always
  contains:
    switches:
      description: The switches, oldest first.
      type: list
      elements: dict
    pending:
      description: The backup that no switch used yet, or null.
      type: dict
ansible_facts:
  description: The record again, as C(ansible_facts.switch_record), for the tasks that follow.
  type: dict
  returned: always
  contains:
    switch_record:
      description: The same as I(record).
      type: dict
"""

MODE = 0o600


class RecordError(Exception):
    """The change cannot be made; nothing was written."""


def last_switch(record: dict[str, Any], to: str | None) -> dict[str, Any]:
    if not record["switches"]:
        raise RecordError("the record holds no switch")
    switch: dict[str, Any] = record["switches"][-1]
    if to is not None and switch.get("to") != to:
        raise RecordError(f"the last switch leads to {switch.get('to')!r}, not {to!r}")
    return switch


def changed_record(old: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The record that PARAMS make of OLD (which is left as it is)."""
    record = copy.deepcopy(old)
    state = params["state"]
    pending = record.get("pending") or {}
    if state == "switched":
        if params["to"] is None or params["kind"] is None:
            raise RecordError("state=switched needs to and kind")
        taken = "backup" in pending and pending.get("live") == params["from"]
        switch = {
            "time": params["time"] or utc_now(),
            "kind": params["kind"],
            "from": params["from"],
            "to": params["to"],
            "backup": pending["backup"] if taken else None,
            "databases": pending.get("databases", []) if taken else [],
        }
        switch.update(params["details"])
        record["switches"].append(switch)
        if taken or not params["keep_pending"]:
            record["pending"] = None
    elif state == "restored":
        if params["backup"] is None:
            raise RecordError("state=restored needs backup")
        last_switch(record, params["to"])["restored"] = params["backup"]
    elif state == "reverted":
        switch = last_switch(record, params["to"])
        record["switches"].pop()
        record["pending"] = (
            {
                "live": switch.get("from"),
                "backup": switch["backup"],
                "databases": switch.get("databases", []),
                "time": switch.get("time"),
                "migrated": True,
            }
            if params["keep_backup"] and switch.get("backup")
            else None
        )
    elif state == "pending":
        given = params["pending"]
        if given is None:
            raise RecordError("state=pending needs pending")
        record["pending"] = {
            "live": given["live"],
            "backup": given["backup"],
            "time": params["time"] or utc_now(),
            "databases": given["databases"],
            "migrated": given["migrated"],
        }
    elif state == "cleared":
        record["pending"] = None
    if state != "read":
        record["switches"] = record["switches"][-params["keep"] :] if params["keep"] > 0 else []
    return record


def write_atomically(path: Path, text: str) -> None:
    """Replace PATH with TEXT: a new root-owned file beside it, flushed, renamed over it."""
    handle, made = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            os.fchmod(out.fileno(), MODE)
            if os.geteuid() == 0:
                os.fchown(out.fileno(), 0, 0)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(made, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(made)
        raise
    # The rename itself, on disk.
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def misowned(path: Path) -> bool:
    """Whether the file's mode or owner is not the record's."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != MODE:
        return True
    return os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0)


def run(params: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """What the module returns; writes the file unless CHECK_MODE."""
    path = Path(params["path"])
    old = read_record(path)
    record = changed_record(old, params)
    exists = path.exists() or path.is_symlink()
    changed = params["state"] != "read" and (record != old or not exists or misowned(path))
    before = dump_record(old) if exists else ""
    after = dump_record(record)
    if changed and not check_mode:
        write_atomically(path, after)
    return {
        "changed": changed,
        "record": record,
        "ansible_facts": {"switch_record": record},
        "diff": {"before": before, "after": after if changed else before},
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {
                "type": "str",
                "default": "read",
                "choices": [
                    "read",
                    "switched",
                    "restored",
                    "reverted",
                    "pending",
                    "cleared",
                    "pruned",
                ],
            },
            "from": {"type": "str", "default": ""},
            "to": {"type": "str"},
            "kind": {"type": "str", "choices": ["deploy", "rollback", "found"]},
            "time": {"type": "str"},
            "details": {"type": "dict", "default": {}},
            "keep_pending": {"type": "bool", "default": False},
            "backup": {"type": "str"},
            "keep_backup": {"type": "bool", "default": False},
            "pending": {
                "type": "dict",
                "options": {
                    "live": {"type": "str", "required": True},
                    "backup": {"type": "str", "required": True},
                    "databases": {"type": "list", "elements": "str", "default": []},
                    "migrated": {"type": "bool", "default": False},
                },
            },
            "keep": {"type": "int", "default": 100},
        },
        required_if=[
            ("state", "switched", ("to", "kind")),
            ("state", "restored", ("backup",)),
            ("state", "pending", ("pending",)),
        ],
        supports_check_mode=True,
    )
    try:
        result = run(module.params, module.check_mode)
    except (RecordError, OSError, ValueError) as error:
        module.fail_json(msg=f"{module.params['path']}: {error}")
    if not module._diff:
        del result["diff"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
