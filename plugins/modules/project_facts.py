"""Ansible module: read what a deployment needs to know from an ASGI project."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: project_facts
short_description: Read what a deployment needs to know from an ASGI project directory
description:
  - Looks at a Python project on the controller (FastAPI, Starlette, Django or any ASGI
    app) and reports the values that C(playbooks/new.yml) writes into a new inventory.
  - Reads files only; imports and runs nothing of the project.
options:
  path:
    description: The project's directory (the one with C(pyproject.toml) or C(manage.py)).
    type: path
    required: true
author: plainvm contributors
"""

EXAMPLES = r"""
- name: Read the project
  plainvm.asgi.project_facts:
    path: ../shop
  register: project
"""

RETURN = r"""
name:
  description: The distribution's name from pyproject.toml, else the directory's name.
  type: str
  returned: always
framework:
  description: C(django), or C(asgi) for any other ASGI app.
  type: str
  returned: always
app__module:
  description: The ASGI app as C(package.module:attribute); empty when none was found.
  type: str
  returned: always
app__factory:
  description: Whether I(app__module) names a factory.
  type: bool
  returned: always
app__migrate_command:
  description: The migration command the project offers; empty when none was found.
  type: str
  returned: always
app__health_path:
  description: A path that looks like a health check; C(/) when none was found.
  type: str
  returned: always
env_names:
  description: Environment variables the project reads, split into C(plain) and C(secret) names.
  type: dict
  returned: always
"""

# Constructors of ASGI apps, by the name they are usually imported under.
ASGI_CLASSES = {"FastAPI", "Starlette", "Quart", "Litestar", "Sanic"}
# A name that says "secret" goes to the vault, everything else to plain settings.
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|TOKEN|KEY|DATABASE_URL|DSN", re.IGNORECASE)
# Set by the toolkit or by systemd: never asked of the user.
SET_BY_TOOLKIT = {"STATE_DIRECTORY", "CACHE_DIRECTORY", "HOME", "APP_RELEASE", "PATH"}
# A route declared for a health path (Starlette's Route, FastAPI's @app.get,
# Django's path), and which of them to prefer: readiness over liveness.
HEALTH_ROUTE = re.compile(
    r"""(?:Route|path|re_path|get|route|api_route)\(\s*["']/?((?:readyz|ready|healthz|health|livez|ping)/?)["']"""
)
HEALTH_PREFERENCE = ["readyz", "ready", "healthz", "health", "livez", "ping"]


def distribution_name(root: Path) -> str:
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        found = re.search(r'(?m)^name\s*=\s*"([^"]+)"', pyproject.read_text())
        if found:
            return found.group(1)
    return root.resolve().name


def python_files(root: Path) -> list[Path]:
    skip = {".venv", "venv", ".git", "node_modules", "tests", "build", "dist"}
    return sorted(
        path
        for path in root.rglob("*.py")
        if not skip.intersection(part for part in path.relative_to(root).parts)
    )


def module_name(root: Path, path: Path) -> str:
    """The dotted import name of a file, with a src/ layout taken into account."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def environment_names(tree: ast.AST) -> set[str]:
    """Names read with os.environ[...], os.environ.get(...) or os.getenv(...)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args:
            called = ast.unparse(node.func)
            if called.endswith(("environ.get", "getenv", "environ.setdefault")):
                key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def asgi_app(root: Path, trees: dict[Path, ast.Module]) -> tuple[str, bool]:
    """The first module-level `name = FastAPI(...)`-like assignment, or a create_app factory."""
    factory = ""
    for path, tree in trees.items():
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                called = ast.unparse(node.value.func).split(".")[-1]
                target = node.targets[0]
                if isinstance(target, ast.Name) and called in ASGI_CLASSES | {"create_app"}:
                    return f"{module_name(root, path)}:{target.id}", False
            if isinstance(node, ast.FunctionDef) and node.name == "create_app" and not factory:
                factory = f"{module_name(root, path)}:create_app"
    return factory, bool(factory)


def migrate_command(root: Path, trees: dict[Path, ast.Module]) -> str:
    """A package whose `python -m` entry knows a `migrate` command."""
    for path in trees:
        if path.name == "__main__.py":
            package = module_name(root, path.parent / "__init__.py")
            sources = [path, *path.parent.glob("cli.py")]
            if any("migrate" in source.read_text() for source in sources):
                return f"python -m {package} migrate"
    return ""


def detect(root: Path) -> dict[str, Any]:
    trees = {}
    for path in python_files(root):
        try:
            trees[path] = ast.parse(path.read_text(), str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue
    names = set().union(*map(environment_names, trees.values())) - SET_BY_TOOLKIT
    found = {route for path in trees for route in HEALTH_ROUTE.findall(path.read_text())}
    routes = sorted(found, key=lambda route: HEALTH_PREFERENCE.index(route.strip("/")))
    health = "/" + routes[0] if routes else "/"

    facts: dict[str, Any] = {"name": distribution_name(root), "app__health_path": health}
    manage = root / "manage.py"
    settings = re.search(
        r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""",
        manage.read_text() if manage.is_file() else "",
    )
    if settings:
        package = settings.group(1).rsplit(".", 1)[0]
        names.discard("DJANGO_SETTINGS_MODULE")
        facts.update(
            framework="django",
            app__module=f"{package}.asgi:application",
            app__factory=False,
            app__migrate_command="python -m django migrate --noinput",
            django_settings_module=settings.group(1),
        )
    else:
        module, factory = asgi_app(root, trees)
        facts.update(
            framework="asgi",
            app__module=module,
            app__factory=factory,
            app__migrate_command=migrate_command(root, trees),
        )
    facts["env_names"] = {
        "plain": sorted(name for name in names if not SECRET_WORDS.search(name)),
        "secret": sorted(name for name in names if SECRET_WORDS.search(name)),
    }
    return facts


def main() -> None:
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}},
        supports_check_mode=True,
    )
    root = Path(module.params["path"])
    if not root.is_dir():
        module.fail_json(msg=f"path '{root}' is not a directory of a Python project")
    facts = detect(root)
    if not facts["app__module"]:
        module.fail_json(
            msg=f"found no ASGI app in {root}: no module-level FastAPI(...)/Starlette(...) "
            "assignment, no create_app() and no Django manage.py; give app__module yourself",
            **facts,
        )
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
