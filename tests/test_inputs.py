"""Bad settings stop a role before it changes anything, naming the variable.

One ansible-playbook run per role checks every case at once: each case is a
host of its own (a local connection) with its own variables, and runs the
role's settings checks (the tasks tagged `ROLE_settings` in its preflight;
the host's own checks need a host and are tested in Molecule).
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
        "app__socket_group": "shop-web",
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
        "app__service_directives": [
            "LimitNOFILE=65536",
            "TimeoutStopSec=30",
            "Environment=TZ=UTC LANG=C.UTF-8",
            "MemorySwapMax=0",
        ],
        "app__listen_address": "10.0.0.5",
        "app__trusted_proxies": ["10.0.0.2", "255.255.255.254"],
    },
    "processes-and-timers": {
        "app__processes": {
            "worker": "celery -A shop worker --concurrency 2",
            "queue_2": {
                "command": AWKWARD,
                "stop_signal": "SIGINT",
                "stop_timeout": 120,
                "memory_max_mb": 512,
            },
        },
        "app__timers": {
            "report": {
                "command": "python -m shop report",
                "on_calendar": "*-*-* 03:00:00",
                "timeout": 0,
            },
        },
    },
    # The operator's explicit choice: the sandbox is theirs to loosen.
    "unsafe-directives": {
        "app__service_directives_unsafe": True,
        "app__service_directives": ["User=root", "ExecStartPre=+/bin/true", "NoNewPrivileges=no"],
    },
}


def recipe_inventories():
    """The complete inventories of docs/recipes.md, as a user would copy them.

    Their vault references become plain values: the checks read the
    secrets' names, and there is no vault here.
    """
    text = (ROOT / "docs/recipes.md").read_text()
    found = {}
    for block in re.findall(r"^( *)```yaml\n(.*?)^\1```", text, re.MULTILINE | re.DOTALL):
        indent, body = block
        settings = yaml.safe_load(re.sub(rf"(?m)^{indent}", "", body))
        if "app__name" in settings:
            found[f"recipe-{settings['app__name']}"] = json.loads(
                re.sub(r"\{\{ vault_\w+ \}\}", "from-the-vault", json.dumps(settings))
            )
    assert len(found) >= 2, "docs/recipes.md: its Django and FastAPI inventories"
    return found


ACCEPTED.update(recipe_inventories())

# Host name: (settings, the variable the refusal must name).
REFUSED = {
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
    # Whoever is in the socket's group passes for the front.
    "group-www-data": ({"app__socket_group": "www-data"}, "app__socket_group"),
    "group-root": ({"app__socket_group": "root"}, "app__socket_group"),
    "group-adm": ({"app__socket_group": "adm"}, "app__socket_group"),
    "group-sudo": ({"app__socket_group": "sudo"}, "app__socket_group"),
    "group-users": ({"app__socket_group": "users"}, "app__socket_group"),
    "group-nogroup": ({"app__socket_group": "nogroup"}, "app__socket_group"),
    "group-caddy": ({"app__socket_group": "caddy"}, "app__socket_group"),
    "group-nginx": ({"app__socket_group": "nginx"}, "app__socket_group"),
    "group-ssl-cert": ({"app__socket_group": "ssl-cert"}, "app__socket_group"),
    "group-postgres": ({"app__socket_group": "postgres"}, "app__socket_group"),
    "group-systemd": ({"app__socket_group": "systemd-journal"}, "app__socket_group"),
    "group-debian-underscore": ({"app__socket_group": "_ssh"}, "app__socket_group"),
    "group-own": ({"app__name": "shop", "app__socket_group": "shop"}, "app__socket_group"),
    "module-newline": ({"app__module": "server.app:app\n"}, "app__module"),
    "health-space": ({"app__health_path": "/ready z"}, "app__health_path"),
    # The bundled server's /readyz is no other app's default.
    "health-unset": (
        {"app__source": "/home/me/shop", "app__module": "shop:app"},
        "app__health_path",
    ),
    "static-root": ({"app__static": {"/": "static"}}, "app__static"),
    "static-no-slash": ({"app__static": {"/static": "static"}}, "app__static"),
    "static-up": ({"app__static": {"/static/../x/": "static"}}, "app__static"),
    "static-health": (
        {"app__static": {"/readyz/": "static"}, "app__health_path": "/readyz/"},
        "app__static",
    ),
    "static-dir-up": ({"app__static": {"/static/": "../../etc"}}, "app__static"),
    "static-dir-absolute": ({"app__static": {"/static/": "/etc"}}, "app__static"),
    "static-dir-venv": ({"app__static": {"/static/": "venv/lib"}}, "app__static"),
    "build-nul": ({"app__build_command": "make\x00"}, "app__build_command"),
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
    # Directives that would change who the app runs as, what runs, or its sandbox.
    **{
        f"directive-{number}": ({"app__service_directives": [directive]}, "app__service_directives")
        for number, directive in enumerate(
            [
                "User=root",
                "Group=root",
                "DynamicUser=yes",
                "SupplementaryGroups=shadow",
                "ExecStartPre=+/bin/touch /root/x",
                "ExecStartPost=/bin/true",
                "ExecStop=/bin/true",
                "NoNewPrivileges=no",
                "SystemCallFilter=",
                "SystemCallArchitectures=",
                "CapabilityBoundingSet=~",
                "AmbientCapabilities=CAP_NET_ADMIN",
                "ProtectSystem=no",
                "ProtectHome=no",
                "PrivateTmp=no",
                "PrivateDevices=no",
                "ReadWritePaths=/etc",
                "InaccessiblePaths=",
                "BindPaths=/etc/shadow:/srv/x",
                "RootDirectory=/",
                "RestrictAddressFamilies=",
                "RestrictNamespaces=no",
                "RestrictSUIDSGID=no",
                "LockPersonality=no",
                "MemoryDenyWriteExecute=no",
                "SecureBits=keep-caps",
                "PAMName=login",
                "DeviceAllow=/dev/sda rw",
                "DevicePolicy=auto",
                "IPAddressDeny=",
                "KeyringMode=shared",
                "UMask=0000",
                "Delegate=yes",
                "WorkingDirectory=/root",
                "StateDirectory=other-app",
                "EnvironmentFile=/etc/other-app/secrets.env",
                "LoadCredential=key:/etc/shadow",
                "ProcSubset=all",
                "Environment=LD_PRELOAD=/var/lib/x/evil.so",
                'Environment="PYTHONPATH=/var/lib/x"',
                "User =root",
            ]
        )
    },
    "secret-nonchar": (
        {"app__secrets": {"API_TOKEN": "s3cr3t-value\ufdd0"}},
        "app__secrets.API_TOKEN",
    ),
    "directives-unsafe-not-bool": (
        {"app__service_directives_unsafe": "maybe"},
        "app__service_directives_unsafe",
    ),
    "process-name-dash": ({"app__processes": {"celery-worker": "celery worker"}}, "app__processes"),
    "process-name-newline": ({"app__processes": {"worker\n": "celery worker"}}, "app__processes"),
    "process-name-handover": ({"app__processes": {"handover": "celery worker"}}, "handover"),
    "process-name-migrate": (
        {"app__timers": {"migrate": {"command": "x", "on_calendar": "daily"}}},
        "migrate",
    ),
    "process-and-timer": (
        {
            "app__processes": {"jobs": "rq worker"},
            "app__timers": {"jobs": {"command": "x", "on_calendar": "daily"}},
        },
        'app__processes: "jobs"',
    ),
    "process-no-command": (
        {"app__processes": {"worker": {"stop_signal": "SIGINT"}}},
        "app__processes.worker",
    ),
    "process-empty-command": ({"app__processes": {"worker": " "}}, "app__processes.worker"),
    "process-cr": ({"app__processes": {"worker": "celery\rworker"}}, "app__processes.worker"),
    "process-signal": (
        {"app__processes": {"worker": {"command": "x", "stop_signal": "KILL"}}},
        "app__processes.worker",
    ),
    # YAML 1.1 reads `on` as true: the key is `hosts`.
    "process-on": (
        {"app__processes": {"worker": {"command": "x", True: ["web1"]}}},
        "app__processes.worker",
    ),
    "process-unknown-host": (
        {"app__processes": {"worker": {"command": "x", "hosts": ["nowhere"]}}},
        "app__processes.worker",
    ),
    "timer-no-calendar": ({"app__timers": {"report": {"command": "x"}}}, "app__timers.report"),
    "timer-calendar-newline": (
        {
            "app__timers": {
                "report": {"command": "x", "on_calendar": "daily\nExecStartPre=/bin/true"}
            }
        },
        "app__timers.report",
    ),
    "timer-stop-signal": (
        {
            "app__timers": {
                "report": {"command": "x", "on_calendar": "daily", "stop_signal": "SIGINT"}
            }
        },
        "app__timers.report",
    ),
    "env-process-command": ({"app__env": {"APP_PROCESS_WORKER": "x"}}, "APP_PROCESS_WORKER"),
    "listen-999": ({"app__listen_address": "999.1.1.1"}, "app__listen_address"),
    "listen-octal": ({"app__listen_address": "010.0.0.1"}, "app__listen_address"),
    "proxies-999": (
        {"app__listen_address": "10.0.0.5", "app__trusted_proxies": ["10.0.0.2", "999.1.1.1"]},
        "app__trusted_proxies",
    ),
}

# Rules that nft reads as rules of the input chain.
FIREWALL_ACCEPTED = {
    "fw-defaults": {},
    "fw-sets-and-strings": {
        "firewall__extra_input_rules": [
            "ip saddr { 10.0.0.0/8, 192.168.0.0/16 } tcp dport { 9100, 9200 } accept",
            'iifname "eth1" tcp dport 5432 accept comment "db {1}"',
            "tcp dport 8080 accept # a note",
        ],
        "firewall__allowed_tcp_sources": [{"port": 9100, "from": ["10.0.0.5", "10.0.0.0/24"]}],
    },
}

FIREWALL_REFUSED = {
    "fw-rule-newline": (
        {"firewall__extra_input_rules": ["tcp dport 1 accept\n}"]},
        "firewall__extra_input_rules",
    ),
    "fw-rule-semicolon": (
        {"firewall__extra_input_rules": ["tcp dport 22 accept; tcp dport 23 accept"]},
        "firewall__extra_input_rules",
    ),
    "fw-rule-closes-chain": (
        {
            "firewall__extra_input_rules": [
                "tcp dport 22 accept } chain evil { type filter hook input priority -1"
            ]
        },
        "firewall__extra_input_rules",
    ),
    "fw-rule-closes-after-set": (
        {"firewall__extra_input_rules": ["tcp dport { 22 } } chain evil {"]},
        "firewall__extra_input_rules",
    ),
    "fw-rule-unclosed-set": (
        {"firewall__extra_input_rules": ["tcp dport { 22, 80 accept"]},
        "firewall__extra_input_rules",
    ),
    "fw-rule-quoted-brace": (
        {"firewall__extra_input_rules": ['meta mark 1 comment "{" } chain evil {']},
        "firewall__extra_input_rules",
    ),
    "fw-rule-commented-brace": (
        {"firewall__extra_input_rules": ["tcp dport 22 accept # {", "} chain evil {"]},
        "firewall__extra_input_rules",
    ),
    "fw-port-range": ({"firewall__allowed_tcp_ports": [22, 70000]}, "firewall__allowed_tcp_ports"),
    "fw-source-999": (
        {"firewall__allowed_tcp_sources": [{"port": 9100, "from": ["999.1.1.1"]}]},
        "firewall__allowed_tcp_sources",
    ),
    "fw-source-prefix": (
        {"firewall__allowed_tcp_sources": [{"port": 9100, "from": ["10.0.0.0/33"]}]},
        "firewall__allowed_tcp_sources",
    ),
    "fw-source-port": (
        {"firewall__allowed_tcp_sources": [{"port": 70000, "from": ["10.0.0.5"]}]},
        "firewall__allowed_tcp_sources",
    ),
}

PROXY_ACCEPTED = {
    "proxy-defaults": {"proxy__domain": "shop.example.org"},
    "proxy-caddy-blocks": {
        "proxy__domain": "shop.example.org",
        "proxy__acme_email": "ops+certs@example.org",
        "proxy__upstream_addresses": ["10.0.0.11:8000", "10.0.0.12:8000"],
        "proxy__extra_config": (
            'header /static/* Cache-Control "public, max-age=86400"\n'
            'header X-Served-By "{system.hostname} {http.request.host}"\n'
            "@api path_regexp api ^/api/v[0-9]{1,2}/\n"
            "handle @api {\n"
            "\theader {\n"
            "\t\t-Server\n"
            "\t}\n"
            "}\n"
            "# a comment\n"
        ),
    },
    "proxy-nginx-blocks": {
        "proxy__domain": "shop.example.org",
        "proxy__server": "nginx",
        "proxy__extra_config": (
            'location ~* "\\.(css|js){1}$" {\n'
            '    add_header Cache-Control "public, max-age=86400";\n'
            "    return 200 '${host}';\n"
            "}\n"
            "# a comment\n"
        ),
    },
}

PROXY_REFUSED = {
    "proxy-caddy-closes-site": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__extra_config": "}\nevil.example.org {\n\trespond hi\n",
        },
        "proxy__extra_config",
    ),
    "proxy-caddy-unclosed": (
        {"proxy__domain": "shop.example.org", "proxy__extra_config": "handle /x {\n"},
        "proxy__extra_config",
    ),
    "proxy-caddy-quoted-open": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__extra_config": 'respond "a { b"\n}\nevil.example.org {\nrespond "}"\n',
        },
        "proxy__extra_config",
    ),
    "proxy-caddy-commented-open": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__extra_config": "# {\n}\nevil.example.org {\n",
        },
        "proxy__extra_config",
    ),
    "proxy-caddy-backtick": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__extra_config": "respond `{` \n}\nevil.example.org {\n",
        },
        "proxy__extra_config",
    ),
    "proxy-nginx-closes-server": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__server": "nginx",
            "proxy__extra_config": "}\nserver {\n    listen 8081;\n",
        },
        "proxy__extra_config",
    ),
    "proxy-nginx-quoted-open": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__server": "nginx",
            "proxy__extra_config": "return 200 '{';\n}\nserver {\n    listen 8081;\n",
        },
        "proxy__extra_config",
    ),
    "proxy-nginx-escaped-brace": (
        {
            "proxy__domain": "shop.example.org",
            "proxy__server": "nginx",
            "proxy__extra_config": "return 200 x\\{;\n}\nserver {\n    return 200 y\\};\n",
        },
        "proxy__extra_config",
    ),
    "proxy-socket-quote": (
        {"proxy__domain": "shop.example.org", "proxy__upstream_socket": '/run/x.sock"'},
        "proxy__upstream_socket",
    ),
    "proxy-socket-placeholder": (
        {"proxy__domain": "shop.example.org", "proxy__upstream_socket": "/run/{env.X}.sock"},
        "proxy__upstream_socket",
    ),
    "proxy-email-quote": (
        {"proxy__domain": "shop.example.org", "proxy__acme_email": '"a@example.org'},
        "proxy__acme_email",
    ),
    "proxy-email-placeholder": (
        {"proxy__domain": "shop.example.org", "proxy__acme_email": "{file./etc/x}@example.org"},
        "proxy__acme_email",
    ),
    "proxy-email-control": (
        {"proxy__domain": "shop.example.org", "proxy__acme_email": "a\x01b@example.org"},
        "proxy__acme_email",
    ),
    "proxy-upstream-999": (
        {"proxy__domain": "shop.example.org", "proxy__upstream_addresses": ["999.1.1.1:8000"]},
        "proxy__upstream_addresses",
    ),
    "proxy-upstream-port": (
        {"proxy__domain": "shop.example.org", "proxy__upstream_addresses": ["10.0.0.1:99999"]},
        "proxy__upstream_addresses",
    ),
}

# proxy__static: the prefixes and directories that the front serves itself.
# A refusal names the variable and holds the bad value.
STATIC_DOMAIN = {"proxy__domain": "shop.example.org"}
STATIC = {"prefix": "/static/", "root": "/srv/shop/static/0"}

STATIC_ACCEPTED = {
    "static-none": {**STATIC_DOMAIN},
    "static-one": {**STATIC_DOMAIN, "proxy__static": [STATIC]},
    "static-two-nginx": {
        **STATIC_DOMAIN,
        "proxy__server": "nginx",
        "proxy__static": [STATIC, {"prefix": "/media/v1.0/", "root": "/srv/shop/media_files"}],
    },
    # A sibling whose name starts like the other's is not under it.
    "static-siblings": {
        **STATIC_DOMAIN,
        "proxy__static": [STATIC, {"prefix": "/static-admin/", "root": "/srv/admin"}],
    },
}

# Host name: (settings, the text the refusal must hold).
STATIC_REFUSED = {
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
STATIC_REFUSED_SETTINGS = {
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

PROXY_ACCEPTED.update(STATIC_ACCEPTED)
PROXY_REFUSED.update(
    {
        host: ({**STATIC_DOMAIN, "proxy__static": [item]}, ("proxy__static", text))
        for host, (item, text) in STATIC_REFUSED.items()
    }
)
PROXY_REFUSED.update(
    {
        host: ({**STATIC_DOMAIN, **settings}, ("proxy__static", text))
        for host, (settings, text) in STATIC_REFUSED_SETTINGS.items()
    }
)

# Role: (its cases that pass, its cases refused, the fewest checks a good case passes).
ROLES = {
    "app": (ACCEPTED, REFUSED, 10),
    "firewall": (FIREWALL_ACCEPTED, FIREWALL_REFUSED, 3),
    "proxy": (PROXY_ACCEPTED, PROXY_REFUSED, 8),
}

PLAYBOOK = """\
- name: Check the role's settings
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the settings checks of the role
      ansible.builtin.import_role:
        name: {role}
        tasks_from: preflight
"""


def run_role(directory, role):
    """Run every case of ROLE in one ansible-playbook; return its output by host."""
    accepted, refused, _ = ROLES[role]
    hosts = {**accepted, **{host: settings for host, (settings, _) in refused.items()}}
    inventory = {
        "all": {
            "hosts": hosts,
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
        }
    }
    (directory / "inventory.json").write_text(json.dumps(inventory))
    (directory / "playbook.yml").write_text(PLAYBOOK.format(role=role))
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
            f"{role}_settings",
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


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each role's run, made when a test first asks for it."""
    done = {}

    def run(role):
        if role not in done:
            done[role] = run_role(tmp_path_factory.mktemp(f"inputs-{role}"), role)
        return done[role]

    return run


@pytest.mark.parametrize(
    ("role", "host"),
    [(role, host) for role, (accepted, _, _) in ROLES.items() for host in accepted],
)
def test_good_settings_pass_every_check(runs, role, host):
    result, failures, recap = runs(role)
    assert host not in failures, failures.get(host)
    # Every settings check ran: the run did not pass by skipping them.
    ok = int(re.match(r"ok=(\d+)", recap.get(host, "ok=0")).group(1))
    assert ok >= ROLES[role][2], result.stdout[-3000:]


@pytest.mark.parametrize(
    ("role", "host"), [(role, host) for role, (_, refused, _) in ROLES.items() for host in refused]
)
def test_bad_setting_is_refused_naming_it(runs, role, host):
    result, failures, _ = runs(role)
    named = ROLES[role][1][host][1]
    assert host in failures, f"{host} was accepted:\n{result.stdout[-3000:]}"
    # The variable, or the variable and the bad value it holds.
    for text in [named] if isinstance(named, str) else named:
        assert text in failures[host], failures[host]


def test_refusals_do_not_print_secret_values(runs):
    result, _, _ = runs("app")
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
