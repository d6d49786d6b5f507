"""Ansible module: read the app role's state on a host, in one round trip."""

from __future__ import annotations

import subprocess
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.plainvm.asgi.plugins.module_utils.app_state import read_state

DOCUMENTATION = r"""
module: app_state
short_description: Read the app role's state on a host
description:
  - Reads what the app role needs to know of a host once a run holds its lock, in one round trip,
    and changes nothing.
  - Run as root; it only reads. It lists the backups' directory, which is the app's, by name only;
    nothing there is opened or followed.
options:
  root:
    description: The app's directory, C(/srv/NAME), with C(current), C(previous), C(releases),
      C(switches.json) and C(restore.json).
    type: path
    required: true
  backups:
    description: The directory of the app's backups.
    type: path
    required: true
  unit:
    description: The app's service, whose main process tells the release it serves.
    type: str
    required: true
  changed:
    description: Files (the unit, the secrets) that the running app must be newer than, or it is
      stale.
    type: list
    elements: path
    default: []
  restart_pending:
    description: Root's note that the app owes a restart; empty for none.
    type: path
    default: ""
notes:
  - Supports check mode; it reads the same either way.
author: plainvm contributors
"""

EXAMPLES = r"""
- name: Read the app's state on the host
  plainvm.asgi.app_state:
    root: /srv/shop
    backups: /var/lib/shop-backups
    unit: shop.service
    restart_pending: /srv/shop/restart-pending
    changed:
      - /etc/systemd/system/shop.service
      - /etc/shop/secrets.env
  register: shop_state
"""

RETURN = r"""
current:
  description: The release C(current) points at; empty without the link.
  type: str
  returned: always
previous:
  description: The release C(previous) points at; empty without the link.
  type: str
  returned: always
history:
  description: The record of switches (see C(plainvm.asgi.switch_record) for its format).
  type: dict
  returned: always
restore:
  description: The restore a rollback asked of the app's next start (C(backup), C(databases),
    C(release)), or null.
  type: dict
  returned: always
releases:
  description: The releases, by name, each with C(id), C(ready) (it passed its checks) and
    C(time) (of its checks when ready, else of its making; Unix time).
  type: list
  elements: dict
  returned: always
backups:
  description: The names of the backups, sorted.
  type: list
  elements: str
  returned: always
serving:
  description: The app's main process, C(pid) (0 for none), the C(release) it serves (empty for
    none) and whether it is C(stale), started before one of I(changed) last changed.
  type: dict
  returned: always
restart_pending:
  description: Whether root's note of a restart owed is there.
  type: bool
  returned: always
ansible_facts:
  description: The record of switches again, as C(ansible_facts.switch_record), which the tasks
    of C(plainvm.asgi.switch_record) that change it then keep up to date.
  type: dict
  returned: always
  contains:
    switch_record:
      description: The same as I(history).
      type: dict
"""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "backups": {"type": "path", "required": True},
            "unit": {"type": "str", "required": True},
            "changed": {"type": "list", "elements": "path", "default": []},
            "restart_pending": {"type": "path", "default": ""},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        state: dict[str, Any] = read_state(
            params["root"],
            params["backups"],
            params["unit"],
            params["changed"],
            params["restart_pending"] or "",
        )
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        module.fail_json(msg=f"reading the app's state: {error}")
    # The record again where plainvm.asgi.switch_record keeps it up to date.
    module.exit_json(changed=False, ansible_facts={"switch_record": state["history"]}, **state)


if __name__ == "__main__":
    main()
