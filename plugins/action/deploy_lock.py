"""The controller's half of plainvm.asgi.deploy_lock: who this run is, and whether a holder runs.

The module runs on the host and cannot see the controller's processes. Here,
on the controller, the run is named once (module_utils/deploy_lock.py) and
handed to the module; when the module finds another run's record in the
lock, this plugin asks whether that run has ended, and takes its lock over
with a second call to the module if it has. The module's documentation
describes the lock.
"""

from __future__ import annotations

from typing import Any

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible_collections.plainvm.asgi.plugins.module_utils.deploy_lock import (
    alive,
    refusal,
    run_record,
    takeover,
)

MODULE = "plainvm.asgi.deploy_lock"
# The module's options that only this plugin sets.
INTERNAL = ("run", "replace")


class ActionModule(ActionBase):  # type: ignore[misc]
    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        given = [name for name in INTERNAL if name in args]
        if given:
            return {**result, "failed": True, "msg": f"{MODULE} sets {', '.join(given)} itself"}
        # Forked from ansible-playbook, every worker shares its temporary directory.
        args["run"] = run_record(C.DEFAULT_LOCAL_TMP)
        try:
            found = self.call(args, task_vars)
            if found.get("failed") or args.get("state", "present") != "present":
                return {**result, **found}
            if not found["held"]:
                return {**result, **found}
            holder: dict[str, Any] = found["holder"]
            stale = not alive(holder)
            if stale and not found["taken"]:
                found = self.call({**args, "replace": holder}, task_vars)
                if found.get("failed"):
                    return {**result, **found}
            if found["taken"]:
                return {**result, **found, "stale": stale, "msg": takeover(holder, stale)}
            # Another run took it over meanwhile, or the holder may be alive.
            return {
                **result,
                **found,
                "stale": stale and found["holder"] == holder,
                "failed": True,
                "msg": refusal(str(args["path"]), found["holder"]),
            }
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def call(self, args: dict[str, Any], task_vars: dict[str, Any] | None) -> dict[str, Any]:
        found: dict[str, Any] = self._execute_module(
            module_name=MODULE, module_args=args, task_vars=task_vars
        )
        return found
