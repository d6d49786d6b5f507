"""Ansible module: read, in one round trip, the state of what the roles manage on a host."""

from __future__ import annotations

import subprocess
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.plainvm.asgi.plugins.module_utils.host_state import (
    HostStateError,
    host_state,
    resources,
    ssh_ports,
)

DOCUMENTATION = r"""
module: host_state
short_description: Read the state of files, units, packages, accounts, resources and SSH on a host
description:
  - Reads, in one round trip, what a role manages on the host (files, units, packages,
    accounts), so that the role runs only the tasks whose target differs from what it wants.
  - Optionally reads what Ansible's facts lack or take seconds to gather (the glibc version,
    the CPUs, the memory, an account) and the TCP ports that SSH needs open.
  - Reads only; never reports a change, and runs alike in check mode.
options:
  paths:
    description: Paths to describe as the file, copy and template modules compare them.
    type: list
    elements: str
    default: []
  units:
    description: systemd units whose state to read (with one C(systemctl show)).
    type: list
    elements: str
    default: []
  packages:
    description: Debian packages to look up in dpkg.
    type: list
    elements: str
    default: []
  users:
    description: Users to look up.
    type: list
    elements: str
    default: []
  groups:
    description: Groups to look up.
    type: list
    elements: str
    default: []
  resources:
    description: Whether to read the host's Python, glibc, architecture, CPUs and memory.
    type: bool
    default: false
  account:
    description:
      - With I(resources), a name whose user and group to look up (an app's, which must not
        be another account's).
    type: str
  sshd:
    description: Whether to read the TCP ports that SSH needs open on the host.
    type: bool
    default: false
author: plainvm contributors
"""

EXAMPLES = r"""
- name: Read the state of what the role manages
  plainvm.asgi.host_state:
    paths: [/etc/nftables.conf]
    units: [nftables.service]
    packages: [nftables]
  register: look

- name: Look at the host
  plainvm.asgi.host_state:
    resources: true
    account: shop
  register: host

- name: Read the ports SSH needs on the host
  plainvm.asgi.host_state:
    sshd: true
  register: ssh
"""

RETURN = r"""
paths:
  description:
    - Each path of I(paths), mapped to its state, C(absent), C(file), C(directory), C(link) or
      C(other), under C(state).
    - A file gives its SHA-1 (the copy module's checksum) as C(sha1), a link its target as
      C(src); all that exist give C(owner) and C(group) by name (the number where the id has
      none), and all that exist but links C(mode) as the file module spells it (C(0644)).
  type: dict
  returned: always
  sample: {"/etc/nftables.conf": {"state": "file", "sha1": "0a1b...", "mode": "0755",
           "owner": "root", "group": "root"}}
units:
  description:
    - Each unit of I(units), mapped to C(active), systemd's ActiveState (C(active),
      C(inactive), C(failed), ...), and C(enabled), its UnitFileState (C(enabled),
      C(disabled), C(static), ..., empty for a unit without a file).
  type: dict
  returned: always
  sample: {"nftables.service": {"active": "active", "enabled": "enabled"}}
packages:
  description: Each package of I(packages), mapped to whether dpkg has it installed.
  type: dict
  returned: always
  sample: {"nftables": true}
users:
  description:
    - Each user of I(users), mapped to its C(uid), primary C(group), C(home), C(shell) and
      other C(groups) (sorted); null for a user that does not exist.
  type: dict
  returned: always
  sample: {"caddy": {"uid": 998, "group": "caddy", "home": "/var/lib/caddy",
           "shell": "/usr/sbin/nologin", "groups": ["shop-socket"]}}
groups:
  description:
    - Each group of I(groups), mapped to its C(gid) and C(members) (sorted); null for a
      group that does not exist.
  type: dict
  returned: always
  sample: {"shop": {"gid": 997, "members": []}}
python:
  description: The version of the Python that runs modules on the host, as C(3.13).
  type: str
  returned: when I(resources)
glibc:
  description: The version of the host's C library (wheels are chosen by it), as C(2.41).
  type: str
  returned: when I(resources)
arch:
  description: The host's machine architecture, as C(x86_64).
  type: str
  returned: when I(resources)
cpus:
  description: The CPUs the module's process may run on (what C(nproc) counts).
  type: int
  returned: when I(resources)
memory_mb:
  description: The host's memory (MemTotal), in MiB.
  type: int
  returned: when I(resources)
account:
  description:
    - The C(user) (its C(home) and C(shell)) and the C(group) (its C(members)) named
      I(account), each null where it does not exist; null without I(account).
  type: dict
  returned: when I(resources)
  sample: {"user": {"home": "/srv/shop", "shell": "/usr/sbin/nologin"},
           "group": {"members": []}}
connection_port:
  description:
    - The port that Ansible's SSH connection came in through, as the host sees it (after
      any port forwarding on the way); null without an SSH connection.
  type: int
  returned: when I(sshd)
sshd_ports:
  description:
    - The ports sshd is configured to listen on (from C(sshd -T), its C(port) lines and the
      ports of its C(listenaddress) lines), sorted; empty without sshd or when C(sshd -T) failed.
  type: list
  elements: int
  returned: when I(sshd)
sshd_error:
  description: Why C(sshd -T) failed (it needs root), or null.
  type: str
  returned: when I(sshd)
"""

QUERY = ("paths", "units", "packages", "users", "groups")


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            **{name: {"type": "list", "elements": "str", "default": []} for name in QUERY},
            "resources": {"type": "bool", "default": False},
            "account": {"type": "str"},
            "sshd": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        result: dict[str, Any] = host_state({name: params[name] for name in QUERY})
        if params["resources"]:
            result.update(resources(params["account"]))
        if params["sshd"]:
            result.update(ssh_ports())
    except (OSError, ValueError, subprocess.CalledProcessError, HostStateError) as error:
        module.fail_json(msg=f"cannot read the host's state: {error}")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
