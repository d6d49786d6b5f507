"""What plainvm.asgi.project_facts reads from a project, without running it."""

import json
import subprocess
import sys
from pathlib import Path

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
    assert facts["app__health_path"] == "/"


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
