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

from tests.test_project_facts import STARTPROJECT

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
              'app__factory': app__factory | default('undefined'),
              'app__migrate_command': app__migrate_command | default('undefined'),
              'app__health_path': app__health_path | default('undefined'),
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


def read_back(tmp: Path, dest: Path) -> tuple[dict[str, object], str]:
    """The values of the inventory in dest as Ansible reads them, and its output."""
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
    seen: dict[str, object] = json.loads(out.read_text())
    return seen, run.stdout + run.stderr


def test_the_written_inventory_yields_literal_strings_and_runs_nothing(written):
    tmp, dest = written["tmp"], written["dest"]
    assert isinstance(tmp, Path) and isinstance(dest, Path)
    seen, output = read_back(tmp, dest)
    assert EVALUATED not in output
    assert seen["app__source"] == str(written["project"])
    assert EXPRESSION in seen["app__source"]
    assert seen["app__module"] == "shop.main:app"
    assert seen["app__factory"] == "undefined"
    assert seen["app__service_directives"] == "undefined"
    assert seen["app__env"] == {"SHOP_CURRENCY": ""}
    secrets = seen["app__secrets"]
    assert isinstance(secrets, dict)
    assert secrets == {"SHOP_SECRET_KEY": secrets["SHOP_SECRET_KEY"]}
    assert re.fullmatch(r"[A-Za-z0-9]{50}", secrets["SHOP_SECRET_KEY"])
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


def new(
    tmp: Path, files: dict[str, str], *extra: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """new.yml run on a project of these files, with these -e arguments."""
    project = tmp / "project"
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    dest = tmp / "inventory"
    arguments = [f"--extra-vars={argument}" for argument in extra]
    run = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            str(ROOT / "playbooks" / "new.yml"),
            f"--extra-vars=app__source={project}",
            f"--extra-vars=new_dest={dest}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=environment(),
        check=False,
    )
    return run, dest


# An app that is built by a call: no pattern finds it.
BUILT = {
    "pyproject.toml": '[project]\nname = "shop"\n',
    "shop/__init__.py": "",
    "shop/main.py": "from shop.factory import Shop\napp = Shop(name='shop').make\n",
}


def test_a_given_app_module_is_written(tmp_path):
    files = {**BUILT, "shop/main.py": "from shop.factory import Shop\napp = Shop().app()\n"}
    run, dest = new(tmp_path, files, "app__module=shop.main:app")
    assert run.returncode == 0, run.stdout + run.stderr
    seen, _ = read_back(tmp_path, dest)
    assert (seen["app__module"], seen["app__factory"]) == ("shop.main:app", "undefined")


def test_a_given_factory_is_written(tmp_path):
    run, dest = new(tmp_path, BUILT, "app__module=shop.main:app", "app__factory=true")
    assert run.returncode == 0, run.stdout + run.stderr
    seen, _ = read_back(tmp_path, dest)
    assert (seen["app__module"], seen["app__factory"]) == ("shop.main:app", True)


def test_a_given_app_module_that_is_no_import_path_is_refused(tmp_path):
    run, dest = new(tmp_path, BUILT, "app__module=shop/main.py")
    assert run.returncode != 0
    assert "package.module:attribute" in run.stdout + run.stderr
    assert not dest.exists()


def test_a_stock_django_project_is_checked_on_the_admin_login_page(tmp_path):
    run, dest = new(tmp_path, STARTPROJECT)
    assert run.returncode == 0, run.stdout + run.stderr
    seen, _ = read_back(tmp_path, dest)
    assert seen["app__health_path"] == "/admin/login/"
    assert seen["app__migrate_command"] == "python -m django migrate --noinput"
    assert "Found no health path" not in run.stdout


def test_without_a_health_path_new_says_so_and_writes_none(tmp_path):
    urls = "from django.urls import path\nurlpatterns = [path('', index)]\n"
    run, dest = new(tmp_path, {**STARTPROJECT, "mysite/urls.py": urls})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Found no health path" in run.stdout and "Set app__health_path" in run.stdout
    seen, _ = read_back(tmp_path, dest)
    # Neither the bundled server's /readyz nor /, which such a project answers 404.
    assert seen["app__health_path"] == "undefined"
    assert seen["app__migrate_command"] == "python -m django migrate --noinput"
    settings = (dest / "group_vars" / "web" / "main.yml").read_text()
    assert re.search(r"(?m)^# app__health_path: ", settings)


def test_a_project_without_migrations_says_none_are_run(written):
    dest = written["dest"]
    assert isinstance(dest, Path)
    settings = (dest / "group_vars" / "web" / "main.yml").read_text()
    (line,) = re.findall(r"(?m)^app__migrate_command: .*$", settings)
    assert line == 'app__migrate_command: ""'
    assert re.search(r"(?m)^#.*nothing is run", settings)
    assert re.search(r"(?m)^# app__health_path: ", settings)
