"""Bad settings stop the app role before it changes anything, naming the variable.

One ansible-playbook run on the controller checks every case at once: each
case is a host of its own (a local connection) with its own variables, and
runs the app role's settings checks (the tasks tagged `app_settings` in its
preflight; the host's own checks need a host and are tested in Molecule).
The last part checks that the plays that act on hosts become root themselves.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# A value of each kind that systemd's EnvironmentFile= must carry unchanged.
AWKWARD = "café\tx $HOME ${HOME} `id` \\ \\n 'single' \"double\" 100% %h\nsecond line "

ACCEPTED = {
    "defaults": {},
    "awkward-but-fine": {
        "app__name": "a" * 24,
        "app__module": "shop.main:make_app",
        "app__socket_group": "www-data",
        "app__health_path": "/health/ready-1.0?full=1&x=%20",
        "app__release": "1f2e3d4c5b6a-20250101120000",
        "app__sqlite_backup": ["server.db", "jobs_2.sqlite3"],
        "app__extra_args": [
            "--limit-concurrency",
            "200",
            "--forwarded-allow-ips=*",
            "--root-path=/api",
        ],
        "app__env": {"SHOP_NOTE": AWKWARD, "EMPTY": "", "NUMBER": 3},
        "app__secrets": {"API_TOKEN": AWKWARD},
    },
}

# Host name: (settings, the variable the refusal must name).
REFUSED = {
    "old-name": (
        {"app_name": "shop", "app_env": {}},
        "Rename app_env, app_name to app__env, app__name",
    ),
    "name-newline": ({"app__name": "shop\n"}, "app__name"),
    "name-root": ({"app__name": "root"}, "app__name"),
    "name-sshd": ({"app__name": "sshd"}, "app__name"),
    "name-caddy": ({"app__name": "caddy"}, "app__name"),
    "name-www-data": ({"app__name": "www-data"}, "app__name"),
    "name-sudo": ({"app__name": "sudo"}, "app__name"),
    "name-systemd": ({"app__name": "systemd-network"}, "app__name"),
    "name-too-long": ({"app__name": "a" * 25}, "app__name"),
    "group-newline": (
        {"app__socket_group": "www-data\nExecStartPre=/bin/touch /pwned"},
        "app__socket_group",
    ),
    "module-newline": ({"app__module": "server.app:app\n"}, "app__module"),
    "health-space": ({"app__health_path": "/ready z"}, "app__health_path"),
    "health-newline": ({"app__health_path": "/readyz\n"}, "app__health_path"),
    "release-dotdot": ({"app__release": ".."}, "app__release"),
    "release-parent": ({"app__release": "../../etc"}, "app__release"),
    "release-slash": ({"app__release": "1f2e3d4c5b6a/x"}, "app__release"),
    "release-shell": ({"app__release": "1f2e3d4c5b6a;id"}, "app__release"),
    "backup-parent": ({"app__sqlite_backup": ["../../etc/shadow"]}, "app__sqlite_backup"),
    "backup-dotdot": ({"app__sqlite_backup": [".."]}, "app__sqlite_backup"),
    "backup-slash": ({"app__sqlite_backup": ["db/server.db"]}, "app__sqlite_backup"),
    "backup-shell": ({"app__sqlite_backup": ["$(id).db"]}, "app__sqlite_backup"),
    "args-backslash": ({"app__extra_args": ["--root-path=/api\\"]}, "app__extra_args"),
    "args-quote": ({"app__extra_args": ["--header", "X-Note:'a"]}, "app__extra_args"),
    "args-dquote": ({"app__extra_args": ['--root-path="/api"']}, "app__extra_args"),
    "args-dollar": ({"app__extra_args": ["--root-path=$HOME"]}, "app__extra_args"),
    "args-newline": ({"app__extra_args": ["--proxy-headers\n"]}, "app__extra_args"),
    "args-empty": ({"app__extra_args": [""]}, "app__extra_args"),
    "env-key-newline": ({"app__env": {"SHOP_NOTE\n": "x"}}, "app__env"),
    "env-cr": ({"app__env": {"SHOP_NOTE": "a\rb"}}, "app__env.SHOP_NOTE"),
    "env-nul": ({"app__env": {"SHOP_NOTE": "a\x00b"}}, "app__env.SHOP_NOTE"),
    "env-nonchar": ({"app__env": {"SHOP_NOTE": "a\ufffeb"}}, "app__env.SHOP_NOTE"),
    "env-astral-nonchar": ({"app__env": {"SHOP_NOTE": "a\U0010ffffb"}}, "app__env.SHOP_NOTE"),
    "secret-cr": ({"app__secrets": {"API_TOKEN": "s3cr3t-value\r"}}, "app__secrets.API_TOKEN"),
    "secret-nonchar": (
        {"app__secrets": {"API_TOKEN": "s3cr3t-value\ufdd0"}},
        "app__secrets.API_TOKEN",
    ),
}

PLAYBOOK = """\
- name: Check the app's settings
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the settings checks of the app role
      ansible.builtin.import_role:
        name: app
        tasks_from: preflight
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Run every case in one ansible-playbook; return its output by host."""
    directory = tmp_path_factory.mktemp("inputs")
    hosts = {**ACCEPTED, **{host: settings for host, (settings, _) in REFUSED.items()}}
    inventory = {
        "all": {
            "hosts": hosts,
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    (directory / "inventory.json").write_text(json.dumps(inventory))
    (directory / "playbook.yml").write_text(PLAYBOOK)
    environment = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_FORKS": "20",
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "--inventory",
            str(directory / "inventory.json"),
            "--tags",
            "app_settings",
            str(directory / "playbook.yml"),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=directory,
    )
    # `fatal: [host]: FAILED! => {...}`, or `failed: [host] (item=...) => {...}`
    # in a loop, where the item's label may hold a newline.
    failures = {}
    for found in re.finditer(
        r"^(?:fatal|failed): \[([^\]]+)\](?:: FAILED!| \(item=.*?\)) => (\{[^\n]*\})$",
        result.stdout,
        re.MULTILINE | re.DOTALL,
    ):
        failures.setdefault(found.group(1), json.loads(found.group(2)).get("msg", ""))
    recap = dict(re.findall(r"^(\S+)\s+: (ok=\d+ .*)$", result.stdout, re.MULTILINE))
    return result, failures, recap


@pytest.mark.parametrize("host", sorted(ACCEPTED))
def test_good_settings_pass_every_check(run, host):
    result, failures, recap = run
    assert host not in failures, failures.get(host)
    # Every settings check ran: the run did not pass by skipping them.
    ok = int(re.match(r"ok=(\d+)", recap.get(host, "ok=0")).group(1))
    assert ok >= 10, result.stdout[-3000:]


@pytest.mark.parametrize("host", sorted(REFUSED))
def test_bad_setting_is_refused_naming_it(run, host):
    result, failures, _ = run
    variable = REFUSED[host][1]
    assert host in failures, f"{host} was accepted:\n{result.stdout[-3000:]}"
    assert variable in failures[host], failures[host]


def test_refusals_do_not_print_secret_values(run):
    result, _, _ = run
    assert "s3cr3t-value" not in result.stdout + result.stderr


def plays(path):
    for play in yaml.safe_load(path.read_text()):
        if "import_playbook" not in play:
            yield play


# Modules that run on the controller whatever the play's hosts.
CONTROLLER_ACTIONS = {
    "ansible.builtin.assert",
    "ansible.builtin.debug",
    "ansible.builtin.fail",
    "ansible.builtin.meta",
    "ansible.builtin.set_fact",
}


def acts_on_hosts(play):
    """A play acts on its hosts unless it runs here or every task does."""
    if play.get("connection") == "local":
        return False
    tasks = play.get("tasks", []) + play.get("pre_tasks", []) + play.get("post_tasks", [])
    return bool(play.get("roles")) or not all(
        task.get("delegate_to") == "localhost" or CONTROLLER_ACTIONS & task.keys() for task in tasks
    )


@pytest.mark.parametrize("playbook", ["site.yml", "playbooks/deploy.yml", "playbooks/rollback.yml"])
def test_plays_that_act_on_hosts_become_root_themselves(playbook):
    acting = [play for play in plays(ROOT / playbook) if acts_on_hosts(play)]
    assert acting
    for play in acting:
        assert play.get("become") is True, f"{playbook}: play {play['name']!r} lacks become: true"


def test_controller_and_lab_playbooks_need_no_root_on_hosts():
    for playbook in ("playbooks/check.yml", "playbooks/lab.yml"):
        assert not any(acts_on_hosts(play) for play in plays(ROOT / playbook)), playbook


def test_production_example_relies_on_the_plays_for_root():
    settings = yaml.safe_load((ROOT / "inventory/production/group_vars/web.yml").read_text())
    assert "ansible_become" not in settings


SECOND_USE = """\
- name: Use the app role twice on one host
  hosts: all
  gather_facts: false
  tasks:
    - name: Check good settings
      ansible.builtin.include_role:
        name: app
        tasks_from: preflight
      tags: app_settings
    - name: Deploy with a bad name
      ansible.builtin.include_role:
        name: app
        tasks_from: deploy
      vars:
        app__name: Not A Name
      tags: app_settings
"""


def test_a_second_use_of_the_role_checks_its_own_settings(tmp_path):
    """Checks that passed once on a host do not wave through the next use's settings."""
    (tmp_path / "playbook.yml").write_text(SECOND_USE)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "--inventory",
            "localhost,",
            "--connection",
            "local",
            "--extra-vars",
            f"ansible_python_interpreter={sys.executable}",
            "--tags",
            "app_settings",
            str(tmp_path / "playbook.yml"),
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
        },
        cwd=tmp_path,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert 'app__name "Not A Name"' in result.stdout, result.stdout[-3000:]
