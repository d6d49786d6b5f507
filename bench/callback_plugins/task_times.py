"""Where a playbook's time goes: each task's wall time, for `make bench`.

Enabled only by bench.py, which names the output file in BENCH_TASK_TIMES.
Meant for runs against one host: a task ends when the next one starts.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: each task's wall time, as JSON in $BENCH_TASK_TIMES
description: Writes a list of {name, action, delegated, skipped, seconds} when the playbook ends.
requirements: [enabled in callbacks_enabled]
"""


class CallbackModule(CallbackBase):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.tasks: list[dict[str, Any]] = []
        self.started = 0.0

    def _end_task(self) -> None:
        if self.tasks and "seconds" not in self.tasks[-1]:
            self.tasks[-1]["seconds"] = round(time.monotonic() - self.started, 3)

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._end_task()
        self.tasks.append(
            {"name": task.get_name(), "action": task.action, "delegated": bool(task.delegate_to)}
        )
        self.started = time.monotonic()

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self.v2_playbook_on_task_start(task, False)

    def v2_runner_on_skipped(self, result: Any) -> None:
        if self.tasks:
            self.tasks[-1]["skipped"] = True

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._end_task()
        path = os.environ.get("BENCH_TASK_TIMES")
        if path:
            with open(path, "w") as out:
                json.dump(self.tasks, out)
