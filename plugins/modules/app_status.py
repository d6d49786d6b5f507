"""Ansible module: what the app is doing now on its host, read in one go."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.plainvm.asgi.plugins.module_utils.app_status import status

DOCUMENTATION = r"""
module: app_status
short_description: Read what a deployed ASGI app is doing on its host
description:
  - Reads the app's C(current) and C(previous) release links, its record of switches
    (C(switches.json)), its unit as systemd describes it, the processes in the unit's cgroup,
    and the units of its process types and timers (I(app__processes), I(app__timers)).
  - Reads only; changes nothing, so check mode reports the same as a real run.
  - Run it as root: the record of switches is root's alone.
  - The app role's C(status) entry point publishes what it returns as I(app__status).
options:
  root:
    description: The app's directory, C(/srv/NAME), which holds the links and the record.
    type: path
    required: true
  unit:
    description: The app's service, C(NAME.service); its process types and timers are the
      units C(NAME-*) of I(units_dir) that the app role marks as the app's.
    type: str
    required: true
  units_dir:
    description: Where the units of the app's process types and timers are.
    type: path
    default: /etc/systemd/system
author: plainvm contributors
"""

EXAMPLES = r"""
- name: Read the app's status
  plainvm.asgi.app_status:
    root: /srv/shop
    unit: shop.service
  become: true
  register: shop

- name: Show the live release
  ansible.builtin.debug:
    msg: "{{ shop.status.live or 'nothing deployed' }}"
"""

RETURN = r"""
status:
  description: What the app is doing now.
  type: dict
  returned: success
  contains:
    live:
      description: The live release (where C(current) points); empty when nothing is deployed.
      type: str
    previous:
      description: The previous release (where C(previous) points); empty when there is none.
      type: str
    unit:
      description: The app's service, as given.
      type: str
    installed:
      description: Whether systemd has loaded the unit.
      type: bool
    active:
      description: Whether the unit is active.
      type: bool
    state:
      description: The unit's C(ActiveState/SubState), such as C(active/running).
      type: str
    since:
      description: When the unit last became active, as systemctl shows it; empty for never.
      type: str
    restarts:
      description: How often systemd has restarted the unit (C(NRestarts)).
      type: int
    main_pid:
      description: The unit's main process (uvicorn's supervisor); 0 when it is not running.
      type: int
    workers_running:
      description: The uvicorn workers serving now.
      type: int
    workers_expected:
      description: The last C(--workers) of the unit's command line; null when it has none.
      type: int
    processes:
      description: The number of processes in the unit's cgroup.
      type: int
    memory_current_mib:
      description: The cgroup's memory in MiB (C(MemoryCurrent)); null where it is not accounted.
      type: float
    memory_pss_mib:
      description:
        - The proportional set size of the cgroup's processes in MiB; null when it holds none.
        - Less than I(memory_current_mib), which counts the page cache too; what is shown
          where the cgroup's memory is not accounted (cgroup v1 containers).
      type: float
    memory_high_mib:
      description: The unit's C(MemoryHigh) in MiB; null for none.
      type: float
    memory_max_mib:
      description: The unit's C(MemoryMax) in MiB; null for none.
      type: float
    last_deploy:
      description:
        - The last deploy in the record of switches (its C(time), C(kind), C(from) and C(to) as
          recorded), with its C(age) such as C(3 min ago); null when none is recorded.
      type: dict
    last_switch:
      description: The last switch of any kind (deploy, rollback) in the record, with its C(age);
        null when none is recorded.
      type: dict
    process_types:
      description: Each process type (I(app__processes)) by the name of its unit.
      type: list
      elements: dict
      contains:
        name:
          description: The process type's name.
          type: str
        unit:
          description: Its unit, C(NAME-<name>.service).
          type: str
        active:
          description: Whether its unit is active.
          type: bool
        state:
          description: Its unit's C(ActiveState/SubState).
          type: str
        result:
          description: Its unit's C(Result); C(exec-condition) when the live release has no
            command for it.
          type: str
        enabled:
          description: Whether its unit starts at boot.
          type: bool
        since:
          description: When its unit last became active; empty for never.
          type: str
        restarts:
          description: How often systemd has restarted it.
          type: int
        release:
          description: The release its main process runs (its C(APP_RELEASE)); empty when it is
            not running.
          type: str
    timers:
      description: Each timer (I(app__timers)) by the name of its unit.
      type: list
      elements: dict
      contains:
        name:
          description: The timer's name.
          type: str
        unit:
          description: Its timer unit, C(NAME-<name>.timer).
          type: str
        active:
          description: Whether the timer is active.
          type: bool
        state:
          description: The timer's C(ActiveState/SubState).
          type: str
        enabled:
          description: Whether the timer starts at boot.
          type: bool
        next_run:
          description: When it runs next, as systemctl shows it; empty for never.
          type: str
        last_run:
          description: When it last ran; empty for never.
          type: str
        running:
          description: Whether its job is running now.
          type: bool
        last_result:
          description: How the job's last run ended (C(success), C(exit-code), C(timeout);
            C(exec-condition) when skipped for lack of a command in the release); empty when it
            never ran or is running now.
          type: str
        last_status:
          description: The exit status of the job's last run.
          type: int
        release:
          description: The release the job runs; the live one unless a run is going on now.
          type: str
"""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "unit": {"type": "str", "required": True},
            "units_dir": {"type": "path", "default": "/etc/systemd/system"},
        },
        supports_check_mode=True,
    )
    try:
        document = status(
            Path(module.params["root"]), module.params["unit"], Path(module.params["units_dir"])
        )
    except (OSError, subprocess.CalledProcessError, ValueError) as error:
        module.fail_json(msg=f"cannot read the app's status: {error}")
    module.exit_json(changed=False, status=document)


if __name__ == "__main__":
    main()
