"""The digests that let a role skip checks already passed cannot be checked against guesses.

Each role remembers the digest of its inputs (`__ROLE_checked`), and
`ansible-playbook -v` prints it. The inputs hold secrets: a plain hash of
them would let whoever reads a CI log test guessed secrets offline. The
digest is keyed with a random key of the run, which is never printed.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PLAYBOOK = """\
- name: Print the digest of the role's inputs
  hosts: localhost
  gather_facts: false
  vars:
    app__secrets: {{API_TOKEN: guessable}}
    postgres__databases: [{{name: shop, password: guessable-and-long-enough}}]
    # Defaults that name files beside the role, which a play's own task cannot see.
    app__source: /srv/source
    # And those that depend on whether app__source is the bundled server there.
    app__migrate_command: ""
    app__health_path: /healthz
    app__build_cache: /srv/cache
    proxy__maintenance_page: /srv/maintenance.html
  tasks:
    - name: Run what the role's checks do before anything else
      ansible.builtin.import_role:
        name: {role}
        tasks_from: preflight
    - name: Print the digest
      ansible.builtin.debug:
        msg: "digest={{{{ __{role}_inputs }}}}"
      tags: always
    - name: Print a plain hash of the inputs
      ansible.builtin.debug:
        msg: >-
          plain={{{{ lookup('ansible.builtin.vars', *query('ansible.builtin.varnames', '^{role}__'))
          | to_json | hash('sha1') }}}}
      tags: always
"""


def digests(tmp_path, role):
    (tmp_path / "playbook.yml").write_text(PLAYBOOK.format(role=role))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "--inventory",
            "localhost,",
            "--connection",
            "local",
            "--extra-vars",
            json.dumps({"ansible_python_interpreter": sys.executable}),
            # No check of the role but those that run always.
            "--tags",
            "none-of-the-roles-checks",
            "-v",
            str(tmp_path / "playbook.yml"),
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
            "ANSIBLE_NOCOLOR": "1",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    digest = re.search(r"digest=(\S+)", result.stdout)
    plain = re.search(r"plain=(\S+)", result.stdout)
    assert digest and plain, result.stdout[-3000:]
    return digest.group(1), plain.group(1), result.stdout


@pytest.mark.parametrize("role", ["app", "firewall", "proxy", "postgres"])
def test_digest_of_the_inputs_is_keyed_afresh_each_run(tmp_path, role):
    first, plain, output = digests(tmp_path, role)
    second, _, _ = digests(tmp_path, role)
    assert first != plain
    assert first != second
    assert "guessable" not in output
