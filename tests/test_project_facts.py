"""What plainvm.asgi.project_facts reads from a project, without running it."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from plugins.modules import project_facts
from plugins.modules.project_facts import detect

ROOT = Path(__file__).resolve().parent.parent


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_bundled_server():
    facts = detect(ROOT / "server")
    assert facts["framework"] == "asgi"
    assert facts["app__module"] == "server.app:app"
    assert facts["app__migrate_command"] == "python -m server migrate"
    assert facts["app__health_path"] == "/readyz"
    assert facts["env_names"]["secret"] == ["DATABASE_URL"]


def test_a_django_project():
    facts = detect(ROOT / "tests" / "apps" / "mysite")
    assert facts["framework"] == "django"
    assert facts["app__module"] == "mysite.asgi:application"
    assert facts["app__migrate_command"] == "python -m django migrate --noinput"
    assert facts["app__health_path"] == "/healthz/"
    assert facts["env_names"] == {
        "plain": ["DJANGO_ALLOWED_HOSTS"],
        "secret": ["DJANGO_SECRET_KEY"],
    }


def test_a_fastapi_project_in_a_src_layout(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "Shop_API"\n',
            "src/shop/__init__.py": "",
            "src/shop/main.py": (
                "import os\nfrom fastapi import FastAPI\n"
                "api = FastAPI()\nTOKEN = os.getenv('SHOP_API_TOKEN')\n"
                "CURRENCY = os.environ.get('SHOP_CURRENCY', 'EUR')\n"
                "@api.get('/healthz')\ndef healthz():\n    return {}\n"
            ),
            "tests/test_main.py": "app = FastAPI()\n",
        },
    )
    facts = detect(tmp_path)
    assert facts["name"] == "Shop_API"
    assert (facts["app__module"], facts["app__factory"]) == ("shop.main:api", False)
    assert facts["app__migrate_command"] == ""
    assert facts["app__health_path"] == "/healthz"
    assert facts["env_names"] == {"plain": ["SHOP_CURRENCY"], "secret": ["SHOP_API_TOKEN"]}


def test_a_factory(tmp_path):
    write(tmp_path, {"web/__init__.py": "def create_app():\n    return None\n"})
    facts = detect(tmp_path)
    assert (facts["app__module"], facts["app__factory"]) == ("web:create_app", True)
    # Nothing is routed that could say so: no guess, the user sets it.
    assert facts["app__health_path"] == ""


def test_an_app_that_routes_only_the_root_is_checked_there(tmp_path):
    write(tmp_path, {"web.py": APP + "@app.get('/')\ndef index():\n    return {}\n"})
    assert detect(tmp_path)["app__health_path"] == "/"


def test_a_directory_without_an_app_is_refused_by_name(tmp_path):
    write(tmp_path, {"lib/util.py": "x = 1\n"})
    module = ROOT / "plugins" / "modules" / "project_facts.py"
    args = json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(tmp_path)}})
    run = subprocess.run(
        [sys.executable, str(module)], input=args, capture_output=True, text=True, check=False
    )
    result = json.loads(run.stdout)
    assert result["failed"] is True
    assert "found no ASGI app in " + str(tmp_path) in result["msg"]


def run_module(path: Path, timeout: float = 20, **options: Any) -> dict[str, Any]:
    module = ROOT / "plugins" / "modules" / "project_facts.py"
    args = json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(path), **options}})
    run = subprocess.run(
        [sys.executable, str(module)],
        input=args,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    result: dict[str, Any] = json.loads(run.stdout)
    # The text of each warning (ansible-core 2.19 gives them as summaries).
    result["warnings"] = [
        warning if isinstance(warning, str) else warning["event"]["msg"]
        for warning in result.get("warnings", [])
    ]
    return result


# Evaluated, it would print "pwned-42".
EXPRESSION = "{{ lookup('pipe', 'echo pwned-$((6*7))') }}"
APP = "from fastapi import FastAPI\napp = FastAPI()\n"


def test_an_app_in_a_directory_no_import_can_name_is_left_out_by_name(tmp_path):
    write(
        tmp_path,
        {
            f"a{EXPRESSION}/main.py": APP,
            f"a{EXPRESSION}/__main__.py": "print('migrate')\n",
            f"a{EXPRESSION}/__init__.py": "",
            "shop/__init__.py": "",
            "shop/main.py": APP,
        },
    )
    result = run_module(tmp_path)
    assert result["app__module"] == "shop.main:app"
    assert result["app__migrate_command"] == ""
    assert any(f"a{EXPRESSION}/main.py" in warning for warning in result["warnings"])


def test_a_project_whose_only_app_no_import_can_name_is_refused(tmp_path):
    write(tmp_path, {"my-app/main.py": APP})
    result = run_module(tmp_path)
    assert result["failed"] is True
    assert "found no ASGI app" in result["msg"]
    assert any("my-app/main.py" in warning for warning in result["warnings"])


def test_environment_names_that_are_not_names_are_left_out_by_file(tmp_path):
    hostile = 'A: ""\\napp__service_directives: [ExecStartPre=/bin/true]\\nB'
    write(
        tmp_path,
        {
            "web/__init__.py": "",
            "web/main.py": APP
            + f"import os\nX = os.environ.get('{hostile}')\nY = os.getenv('SHOP_MODE')\n"
            + f'Z = os.environ["{EXPRESSION}"]\nW = os.environ["9LIVES"]\n',
        },
    )
    result = run_module(tmp_path)
    assert result["env_names"] == {"plain": ["SHOP_MODE"], "secret": []}
    left_out = [warning for warning in result["warnings"] if "web/main.py" in warning]
    assert len(left_out) == 3


def test_a_django_settings_module_that_is_no_module_path_is_refused(tmp_path):
    write(
        tmp_path,
        {
            "manage.py": (
                "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysité.settings')\n"
            ),
        },
    )
    result = run_module(tmp_path)
    assert result["failed"] is True
    assert "manage.py" in result["msg"]
    assert "app__module" not in result


def test_a_distribution_name_that_is_no_name_gives_way_to_the_directory(tmp_path):
    project = tmp_path / "My Shop"
    write(project, {"pyproject.toml": f'[project]\nname = "x{EXPRESSION}"\n', "web.py": APP})
    result = run_module(project)
    assert result["name"] == "My-Shop"
    assert any("pyproject.toml" in warning for warning in result["warnings"])


def test_links_out_of_the_project_are_not_read(tmp_path):
    outside = write(
        tmp_path / "outside",
        {"secret.py": APP + "import os\nos.getenv('OUTSIDE_TOKEN')\n", "pyproject.toml": ""},
    )
    project = write(tmp_path / "project", {"web/__init__.py": "", "web/main.py": APP})
    (project / "web" / "leak.py").symlink_to(outside / "secret.py")
    (project / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    (project / "linked").symlink_to(outside, target_is_directory=True)
    # A link inside the project is read as the file it names.
    (project / "web" / "alias.py").symlink_to(project / "web" / "main.py")
    result = run_module(project)
    assert result["app__module"] == "web.alias:app"
    assert result["env_names"] == {"plain": [], "secret": []}
    assert any("web/leak.py" in warning for warning in result["warnings"])
    assert any("pyproject.toml" in warning for warning in result["warnings"])


def test_a_fifo_is_not_read_and_does_not_hang(tmp_path):
    write(tmp_path, {"web/__init__.py": "", "web/main.py": APP})
    os.mkfifo(tmp_path / "web" / "pipe.py")
    os.mkfifo(tmp_path / "pyproject.toml")
    os.mkfifo(tmp_path / "manage.py")
    result = run_module(tmp_path, timeout=10)
    assert result["app__module"] == "web.main:app"
    assert any("web/pipe.py" in warning for warning in result["warnings"])


def test_huge_files_are_not_read(tmp_path):
    padding = "#" * 100 + "\n"
    write(
        tmp_path,
        {
            "web/__init__.py": "",
            "web/main.py": APP,
            "web/generated.py": "import os\nos.getenv('GENERATED_NAME')\n" + padding * 11_000,
        },
    )
    result = run_module(tmp_path)
    assert result["env_names"] == {"plain": [], "secret": []}
    assert any("web/generated.py" in warning for warning in result["warnings"])


def test_the_walk_stops_after_so_many_files(tmp_path, monkeypatch):
    monkeypatch.setattr(project_facts, "MAX_FILES", 50)
    write(tmp_path, {f"lib/m{index:03}.py": "x = 1\n" for index in range(60)})
    write(tmp_path, {"zz/__init__.py": "", "zz/main.py": APP})
    facts = detect(tmp_path)
    assert facts["app__module"] == ""
    assert any("50" in warning for warning in facts["warnings"])


# An app that is built by a call: no pattern finds it.
BUILT = "from shop.factory import Shop\napp = Shop(name='shop').app()\n"


def test_an_app_built_by_a_call_is_asked_of_the_user(tmp_path):
    write(tmp_path, {"shop/__init__.py": "", "shop/main.py": BUILT})
    result = run_module(tmp_path)
    assert result["failed"] is True
    assert "-e app__module=" in result["msg"]


def test_a_given_app_module_is_used_and_the_app_not_looked_for(tmp_path):
    write(tmp_path, {"shop/__init__.py": "", "shop/main.py": BUILT})
    result = run_module(tmp_path, app__module="shop.main:app")
    assert result.get("failed") is not True, result
    assert (result["app__module"], result["app__factory"]) == ("shop.main:app", False)
    result = run_module(tmp_path, app__module="shop.main:make", app__factory=True)
    assert (result["app__module"], result["app__factory"]) == ("shop.main:make", True)


def test_a_given_app_module_replaces_the_one_found(tmp_path):
    write(tmp_path, {"web/__init__.py": "", "web/main.py": APP, "web/admin.py": APP})
    # Found first: web/admin.py.
    result = run_module(tmp_path, app__module="web.main:app")
    assert (result["app__module"], result["app__factory"]) == ("web.main:app", False)
    # A factory flag alone applies to the app found.
    result = run_module(tmp_path, app__factory=True)
    assert (result["app__module"], result["app__factory"]) == ("web.admin:app", True)


def test_a_given_app_module_that_is_no_import_path_is_refused(tmp_path):
    write(tmp_path, {"shop/__init__.py": "", "shop/main.py": BUILT})
    for given in ["shop.main", "shop/main.py:app", "shop.main:app\nx: 1", EXPRESSION]:
        result = run_module(tmp_path, app__module=given)
        assert result["failed"] is True, given
        assert "app__module" in result["msg"] and "package.module:attribute" in result["msg"]
        assert "app__module" not in result


# Set by the app role's unit or by systemd, and one the project's own.
SET_ELSEWHERE = """
    RUNTIME_DIRECTORY LOGS_DIRECTORY CONFIGURATION_DIRECTORY APP_MODULE APP_UVICORN_ARGS
    APP_MIGRATE_COMMAND LISTEN_FDS LISTEN_PID INVOCATION_ID HOME PATH USER LANG XDG_CACHE_HOME
    SHOP_MODE
"""


def test_names_the_toolkit_or_systemd_sets_are_not_asked_for(tmp_path):
    write(
        tmp_path,
        {
            "web.py": APP
            + "import os\nSTATE = os.environ['STATE_DIRECTORY']\n"
            + "RELEASE = os.environ.get('APP_RELEASE')\n"
            + "".join(f"os.getenv('{name}')\n" for name in SET_ELSEWHERE.split()),
        },
    )
    assert detect(tmp_path)["env_names"] == {"plain": ["SHOP_MODE"], "secret": []}


# A project as `django-admin startproject mysite` writes it (Django 5.1),
# abridged where nothing is read.
STARTPROJECT = {
    "manage.py": (
        "#!/usr/bin/env python\n"
        '"""Django\'s command-line utility for administrative tasks."""\n'
        "import os\nimport sys\n\n\ndef main():\n"
        '    """Run administrative tasks."""\n'
        "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
        "    from django.core.management import execute_from_command_line\n"
        "    execute_from_command_line(sys.argv)\n\n\n"
        "if __name__ == '__main__':\n    main()\n"
    ),
    "mysite/__init__.py": "",
    "mysite/settings.py": (
        "from pathlib import Path\n\n"
        "BASE_DIR = Path(__file__).resolve().parent.parent\n"
        "SECRET_KEY = 'django-insecure-0123456789'\nDEBUG = True\nALLOWED_HOSTS = []\n\n"
        "INSTALLED_APPS = [\n"
        "    'django.contrib.admin',\n    'django.contrib.auth',\n"
        "    'django.contrib.contenttypes',\n    'django.contrib.sessions',\n"
        "    'django.contrib.messages',\n    'django.contrib.staticfiles',\n]\n\n"
        "ROOT_URLCONF = 'mysite.urls'\n"
        "WSGI_APPLICATION = 'mysite.wsgi.application'\n"
    ),
    "mysite/urls.py": (
        '"""\nURL configuration for mysite project.\n"""\n'
        "from django.contrib import admin\nfrom django.urls import path\n\n"
        "urlpatterns = [\n    path('admin/', admin.site.urls),\n]\n"
    ),
    "mysite/asgi.py": (
        "import os\n\nfrom django.core.asgi import get_asgi_application\n\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n\n"
        "application = get_asgi_application()\n"
    ),
    "mysite/wsgi.py": "",
}


def test_a_stock_django_project_is_checked_on_the_admin_login_page(tmp_path):
    facts = detect(write(tmp_path, STARTPROJECT))
    assert facts["framework"] == "django"
    assert facts["app__module"] == "mysite.asgi:application"
    assert facts["app__migrate_command"] == "python -m django migrate --noinput"
    assert facts["app__health_path"] == "/admin/login/"


def test_the_admin_counts_only_where_it_is_installed_and_routed(tmp_path):
    project = write(tmp_path, STARTPROJECT)
    settings = project / "mysite" / "settings.py"
    text = settings.read_text()
    # ROOT_URLCONF names the routes, wherever they are.
    settings.write_text(text.replace("'mysite.urls'", "'config.urls'"))
    write(
        project,
        {
            "config/__init__.py": "",
            "config/urls.py": (
                "from django.contrib import admin\nfrom django.urls import path, re_path\n"
                "from shop import views\n"
                "urlpatterns = [\n    re_path(r'^backoffice/', admin.site.urls),\n"
                "    path('up/', views.health_check),\n]\n"
            ),
        },
    )
    assert detect(project)["app__health_path"] == "/backoffice/login/"
    # Not installed: the route to a view named like a health check.
    settings.write_text(
        text.replace("'mysite.urls'", "'config.urls'").replace("'django.contrib.admin',", "")
    )
    assert detect(project)["app__health_path"] == "/up/"


def test_a_health_route_in_the_root_urls_of_a_django_project(tmp_path):
    project = write(tmp_path, STARTPROJECT)
    write(
        project,
        {
            "mysite/urls.py": (
                "from django.urls import include, path\nfrom . import views\n"
                "urlpatterns = [\n    path('', views.index),\n"
                "    path('api/', include([path('readyz/', views.ready)])),\n"
                "    path('<int:pk>/status/', views.status),\n"
                "    path('healthz/', views.healthz, name='healthz'),\n]\n"
            ),
        },
    )
    assert detect(project)["app__health_path"] == "/healthz/"


def test_a_django_project_without_a_health_path_gets_none(tmp_path):
    project = write(tmp_path, STARTPROJECT)
    write(
        project,
        {
            "mysite/urls.py": (
                "from django.urls import path\nfrom . import views\n"
                "urlpatterns = [path('', views.index)]\n"
            ),
        },
    )
    facts = detect(project)
    assert facts["app__health_path"] == ""
    assert facts["app__migrate_command"] == "python -m django migrate --noinput"


def test_django_settings_through_a_link_out_of_the_project_are_not_read(tmp_path):
    outside = write(tmp_path / "outside", {k[7:]: v for k, v in STARTPROJECT.items() if "/" in k})
    project = write(tmp_path / "project", {"manage.py": STARTPROJECT["manage.py"]})
    (project / "mysite").symlink_to(outside, target_is_directory=True)
    result = run_module(project)
    assert result["app__health_path"] == ""
    assert any("mysite/settings.py" in warning for warning in result["warnings"])
