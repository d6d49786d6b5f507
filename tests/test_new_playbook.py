"""playbooks/new.yml writes a project's names into an inventory as data, never as code.

A hostile project (a directory name with a Jinja expression, an environment
variable name that is a YAML document of its own) gets an inventory whose
values Ansible reads back literally, and runs nothing while doing so.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Would print "pwned-42" if Ansible ever evaluated it.
EXPRESSION = "{{ lookup('pipe', 'echo pwned-$((6*7))') }}"
EVALUATED = "pwned-42"
# Read as an environment variable's name, it would add a key of its own.
ENV_NAME = 'A: ""\\napp__service_directives: [ExecStartPre=/bin/true]\\nB'

# Reads the written inventory as site.yml would, and saves what it found.
READER = """\
- name: Read the written inventory
  hosts: web
  connection: local
  gather_facts: false
  tasks:
    - name: Save the values as Ansible sees them
      ansible.builtin.copy:
        content: >-
          {{ {'app__source': app__source, 'app__module': app__module,
              'app__env': app__env, 'app__secrets': app__secrets,
              'proxy__domain': proxy__domain,
              'app__service_directives': app__service_directives | default('undefined')}
             | to_json }}
        dest: "{{ out }}"
        mode: "0644"
      delegate_to: localhost
      run_once: true
"""


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """new.yml run with --diff on a hostile project, reached through a link."""
    tmp = tmp_path_factory.mktemp("new")
    # The project's own directory carries the expression: a link to it is
    # what the user gives, and new.yml writes the real path it resolves to.
    workspace = tmp / f"w{EXPRESSION}"
    project = workspace / "shop"
    files = {
        "pyproject.toml": '[project]\nname = "shop"\n',
        # The first app found in sorted order, in a directory no import can name.
        f"a{EXPRESSION}/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "shop/__init__.py": "",
        "shop/main.py": (
            "import os\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            f"HOOK = os.environ.get('{ENV_NAME}')\n"
            "KEY = os.environ['SHOP_SECRET_KEY']\n"
            "CURRENCY = os.getenv('SHOP_CURRENCY')\n"
        ),
    }
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    link = tmp / "shop-link"
    link.symlink_to(project)
    dest = tmp / "inventory"
    run = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            str(ROOT / "playbooks" / "new.yml"),
            "--diff",
            "--extra-vars",
            json.dumps({"app__source": str(link), "new_dest": str(dest)}),
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=environment(),
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return {"tmp": tmp, "dest": dest, "project": project, "output": run.stdout + run.stderr}


def test_the_written_inventory_yields_literal_strings_and_runs_nothing(written):
    tmp, dest = written["tmp"], written["dest"]
    assert isinstance(tmp, Path) and isinstance(dest, Path)
    playbook = tmp / "read.yml"
    playbook.write_text(READER)
    out = tmp / "seen.json"
    run = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(dest),
            str(playbook),
            "--extra-vars",
            json.dumps({"out": str(out), "ansible_python_interpreter": sys.executable}),
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=environment(),
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert EVALUATED not in run.stdout + run.stderr
    seen = json.loads(out.read_text())
    assert seen["app__source"] == str(written["project"])
    assert EXPRESSION in seen["app__source"]
    assert seen["app__module"] == "shop.main:app"
    assert seen["app__service_directives"] == "undefined"
    assert seen["app__env"] == {"SHOP_CURRENCY": ""}
    assert seen["app__secrets"] == {"SHOP_SECRET_KEY": seen["app__secrets"]["SHOP_SECRET_KEY"]}
    assert re.fullmatch(r"[A-Za-z0-9]{50}", seen["app__secrets"]["SHOP_SECRET_KEY"])
    assert seen["proxy__domain"] == "shop.example.org"


def test_new_says_which_files_it_left_out(written):
    output = str(written["output"])
    assert f"a{EXPRESSION}/main.py" in output
    assert "shop/main.py" in output
    assert EVALUATED not in output


def test_diff_does_not_show_the_generated_signing_key(written):
    dest = written["dest"]
    assert isinstance(dest, Path)
    vault = (dest / "group_vars" / "web" / "vault.yml").read_text()
    (key,) = re.findall(r'(?m)^"?vault_shop_secret_key"?: "?([A-Za-z0-9]{50})"?$', vault)
    assert key not in str(written["output"])
