"""proxy__static: bad prefixes and roots stop the proxy role before it changes anything.

Like test_inputs.py: one ansible-playbook run, each case a host of its own (a
local connection) that runs the role's settings checks.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DOMAIN = {"proxy__domain": "shop.example.org"}
STATIC = {"prefix": "/static/", "root": "/srv/shop/static/0"}

ACCEPTED = {
    "static-none": {**DOMAIN},
    "static-one": {**DOMAIN, "proxy__static": [STATIC]},
    "static-two-nginx": {
        **DOMAIN,
        "proxy__server": "nginx",
        "proxy__static": [STATIC, {"prefix": "/media/v1.0/", "root": "/srv/shop/media_files"}],
    },
    # A sibling whose name starts like the other's is not under it.
    "static-siblings": {
        **DOMAIN,
        "proxy__static": [STATIC, {"prefix": "/static-admin/", "root": "/srv/admin"}],
    },
}

# Host name: (settings, the text the refusal must hold).
REFUSED = {
    "static-prefix-slash": ({"prefix": "/", "root": "/srv/x"}, "/"),
    "static-prefix-no-end": ({"prefix": "/static", "root": "/srv/x"}, '"/static"'),
    "static-prefix-no-start": ({"prefix": "static/", "root": "/srv/x"}, '"static/"'),
    "static-prefix-dotdot": ({"prefix": "/static/../", "root": "/srv/x"}, "/static/../"),
    "static-prefix-dot": ({"prefix": "/./static/", "root": "/srv/x"}, "/./static/"),
    "static-prefix-double-slash": ({"prefix": "/static//", "root": "/srv/x"}, "/static//"),
    "static-prefix-space": ({"prefix": "/sta tic/", "root": "/srv/x"}, "/sta tic/"),
    "static-prefix-brace": ({"prefix": "/{env.X}/", "root": "/srv/x"}, "/{env.X}/"),
    "static-prefix-newline": ({"prefix": "/static/\n", "root": "/srv/x"}, "proxy__static prefix"),
    "static-root-relative": ({"prefix": "/static/", "root": "srv/x"}, '"srv/x"'),
    "static-root-dotdot": ({"prefix": "/static/", "root": "/srv/../etc"}, "/srv/../etc"),
    "static-root-trailing": ({"prefix": "/static/", "root": "/srv/x/"}, "/srv/x/"),
    "static-root-slash": ({"prefix": "/static/", "root": "/"}, 'root "/"'),
    "static-root-dollar": ({"prefix": "/static/", "root": "/srv/$x"}, "/srv/$x"),
    "static-root-semicolon": ({"prefix": "/static/", "root": "/srv/x;"}, "/srv/x;"),
    "static-root-home": ({"prefix": "/static/", "root": "/home/shop/static"}, "/home"),
    "static-root-tmp": ({"prefix": "/static/", "root": "/tmp/static"}, "/tmp"),
}
# Host name: (settings beside proxy__domain, the text the refusal must hold).
REFUSED_SETTINGS = {
    "static-duplicate": (
        {"proxy__static": [STATIC, {"prefix": "/Static/", "root": "/srv/y"}]},
        "/static/",
    ),
    "static-nested": (
        {"proxy__static": [STATIC, {"prefix": "/static/admin/", "root": "/srv/y"}]},
        "/static/admin/",
    ),
    # Caddy matches paths whatever their letter case.
    "static-covers-health": (
        {
            "proxy__static": [{"prefix": "/HEALTH/", "root": "/srv/x"}],
            "proxy__health_path": "/health/ready",
        },
        "proxy__health_path",
    ),
}

PLAYBOOK = """\
- name: Check the role's settings
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the settings checks of the role
      ansible.builtin.import_role:
        name: proxy
        tasks_from: preflight
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Every case in one ansible-playbook: its output, and each failed host's message."""
    directory = tmp_path_factory.mktemp("proxy-static")
    hosts = {
        **ACCEPTED,
        **{host: {**DOMAIN, "proxy__static": [item]} for host, (item, _) in REFUSED.items()},
        **{host: {**DOMAIN, **settings} for host, (settings, _) in REFUSED_SETTINGS.items()},
    }
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
            "proxy_settings",
            str(directory / "playbook.yml"),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=directory,
    )
    failures = {}
    for found in re.finditer(
        r"^(?:fatal|failed): \[([^\]]+)\](?:: FAILED!| \(item=.*?\)) => (\{[^\n]*\})$",
        result.stdout,
        re.MULTILINE | re.DOTALL,
    ):
        failures.setdefault(found.group(1), json.loads(found.group(2)).get("msg", ""))
    return result, failures


@pytest.mark.parametrize("host", ACCEPTED)
def test_good_static_settings_pass(run, host):
    result, failures = run
    assert host not in failures, failures.get(host)
    assert re.search(rf"^{host}\s+: ok=\d+ .*failed=0", result.stdout, re.MULTILINE), result.stdout[
        -3000:
    ]


@pytest.mark.parametrize("host", [*REFUSED, *REFUSED_SETTINGS])
def test_bad_static_setting_is_refused_naming_it(run, host):
    result, failures = run
    expected = {**REFUSED, **REFUSED_SETTINGS}[host][1]
    assert host in failures, f"{host} was accepted:\n{result.stdout[-3000:]}"
    assert "proxy__static" in failures[host], failures[host]
    assert expected in failures[host], failures[host]
