"""Ansible module: read what a deployment needs to know from an ASGI project."""

from __future__ import annotations

import ast
import json
import os
import re
import stat
from pathlib import Path
from typing import Any, NamedTuple

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
  app__module:
    description:
      - The ASGI app as C(package.module:attribute), for an app that is not found by reading
        (one built by a call, say). Replaces the one found; the project need not have one.
      - Refused unless it matches the app role's pattern of I(app__module).
    type: str
  app__factory:
    description: Whether the app's module names a factory; replaces what was found.
    type: bool
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
  description:
    - A path the project routes that can tell a ready release; empty when none was found.
    - For Django, the admin's login page when the admin is installed and routed, else a route
      named like a health check in the root URLconf; for another app, a route named like a
      health check, else C(/) when it is routed.
  type: str
  returned: always
app__build_command:
  description:
    - For Django with STATIC_ROOT set, C(python -m django collectstatic --noinput); else empty.
  type: str
  returned: always
app__static:
  description: For Django with STATIC_ROOT set, its STATIC_URL served from C(static) in the release.
  type: dict
  returned: always
app__processes:
  description: For Django, C(python -m django qcluster) with django-q2, or Celery's worker.
  type: dict
  returned: always
app__timers:
  description: For Django with its sessions app, C(clearsessions) daily.
  type: dict
  returned: always
django_static_root:
  description: False for a Django project with static files but no STATIC_ROOT to collect them into.
  type: bool
  returned: when the project is a Django project
env_names:
  description: Environment variables the project reads, split into C(plain) and C(secret) names.
  type: dict
  returned: always
"""

# Constructors of ASGI apps, by the name they are usually imported under.
ASGI_CLASSES = {"FastAPI", "Starlette", "Quart", "Litestar", "Sanic"}
# A name that says "secret" goes to the vault, everything else to plain settings.
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|TOKEN|KEY|DATABASE_URL|DSN", re.IGNORECASE)
# Variables the app finds set when it runs: left out of app__env, where the
# user would be asked for a value the toolkit or systemd gives anyway (and
# the app role refuses its own names there). The app role's unit (sandbox.j2,
# release.env.j2, __app_reserved_env) sets these; keep this list in step.
SET_BY_TOOLKIT = {
    # The role's release.env.
    "APP_RELEASE",
    "APP_RELEASE_DIR",
    "APP_MODULE",
    "APP_UVICORN_ARGS",
    "APP_MIGRATE_COMMAND",
    "APP_BUILD_COMMAND",
    # The role's unit: PATH starts with the release's virtualenv, HOME is the
    # cache directory.
    "PATH",
    "HOME",
    "XDG_CACHE_HOME",
    # systemd: the directories of StateDirectory= and its kin, the unit's
    # user, its socket (socket activation) and its run.
    "STATE_DIRECTORY",
    "CACHE_DIRECTORY",
    "RUNTIME_DIRECTORY",
    "LOGS_DIRECTORY",
    "CONFIGURATION_DIRECTORY",
    "CREDENTIALS_DIRECTORY",
    "USER",
    "LOGNAME",
    "SHELL",
    "LISTEN_FDS",
    "LISTEN_PID",
    "LISTEN_FDNAMES",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "SYSTEMD_EXEC_PID",
    "MEMORY_PRESSURE_WATCH",
    "MEMORY_PRESSURE_WRITE",
    # systemd gives services the system's locale (/etc/locale.conf).
    "LANG",
}
# A route declared for a health path (Starlette's Route, FastAPI's @app.get,
# Django's path), and which of them to prefer: readiness over liveness.
HEALTH_ROUTE = re.compile(
    r"""(?:Route|path|re_path|get|route|api_route)\(\s*["']/?((?:readyz|ready|healthz|health|livez|ping)/?)["']"""
)
HEALTH_PREFERENCE = ["readyz", "ready", "healthz", "health", "livez", "ping"]
# The root path, routed: a fallback for an app without a health route.
ROOT_ROUTE = re.compile(r"""(?:Route|get|route|api_route)\(\s*["']/["']""")
# Django: what names a health view (in its route, view or name=), best first.
DJANGO_HEALTH_WORDS = ["ready", "health", "live", "ping", "status"]
# A Django route that is a path as it stands: no converters, no regex.
DJANGO_PLAIN_ROUTE = re.compile(r"([A-Za-z0-9._~-]+/)*[A-Za-z0-9._~-]*\Z")

# Every value returned is one of these; anything else is left out or refused.
# They end in \Z, not $: $ also matches before a trailing newline.
# An environment variable's name, as the app role accepts it in app__env.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# A dotted import path, and the app role's pattern of app__module.
MODULE_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
APP_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*\Z")
# A URL prefix that the app role serves from the release (app__static).
STATIC_PREFIX = re.compile(r"/([A-Za-z0-9._~-]+/)+\Z")
# The app role's pattern of app__health_path.
HEALTH_PATH = re.compile(r"/([A-Za-z0-9._~!&*+,;=:@/?-]|%[0-9A-Fa-f]{2})*\Z")
# A distribution's name (PEP 508).
DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")

# Files larger than this are not read (no hand-written module is), and the
# walk stops after this many files: a project is not a home directory.
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 20_000
# Directories of tools, environments and tests rather than of the app; and
# every directory whose name starts with a dot.
SKIP_DIRECTORIES = {"venv", "node_modules", "tests", "build", "dist", "__pycache__"}


class ProjectError(Exception):
    """The project cannot be described safely: the module fails with this message."""


def shown(value: str) -> str:
    """A value from the project as it appears in a message: quoted, escaped, short."""
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:76] + '..."'


class Project:
    """Reads a project's files: regular files inside it, of sane size, and nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.warnings: list[str] = []

    def name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def warn(self, path: Path, message: str) -> None:
        self.warnings.append(f"{self.name(path)}: {message}")

    def read(self, path: Path) -> str | None:
        """The text of a file, or None (with a warning) for what must not be read."""
        try:
            info = path.lstat()
        except OSError:
            return None
        # The file, or a directory on the way to it (a settings module is
        # looked up by its import path), may be a link: where it leads is
        # read, and only inside the project.
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            self.warn(path, "a broken or looping link; not read")
            return None
        if not real.is_relative_to(self.real_root):
            self.warn(path, "a link out of the project; not read")
            return None
        if stat.S_ISLNK(info.st_mode):
            info = real.lstat()
        # Checked before opening: opening a device can act on it, and reading
        # a FIFO waits for a writer.
        if not stat.S_ISREG(info.st_mode):
            self.warn(path, "not a regular file (a FIFO, socket or device); not read")
            return None
        if info.st_size > MAX_FILE_BYTES:
            self.warn(path, f"larger than {MAX_FILE_BYTES // 1024} KiB; not read")
            return None
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(real, flags)
        except OSError as error:
            self.warn(path, f"cannot be opened ({error.strerror}); not read")
            return None
        with os.fdopen(descriptor, "rb") as file:
            # Replaced between the checks and the open: read it only if it is
            # still a regular file.
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                self.warn(path, "not a regular file (a FIFO, socket or device); not read")
                return None
            data = file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            self.warn(path, f"larger than {MAX_FILE_BYTES // 1024} KiB; not read")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def python_files(self) -> list[Path]:
        """The project's .py files, without following links to directories."""
        found: list[Path] = []
        seen = 0
        for directory, subdirectories, files in os.walk(self.root):
            subdirectories[:] = sorted(
                name
                for name in subdirectories
                if not name.startswith(".") and name not in SKIP_DIRECTORIES
            )
            for file in sorted(files):
                seen += 1
                if seen > MAX_FILES:
                    self.warnings.append(
                        f"{self.root}: more than {MAX_FILES} files; read only the first "
                        f"{MAX_FILES} (give the directory of the project itself)"
                    )
                    return sorted(found)
                if file.endswith(".py"):
                    found.append(Path(directory) / file)
        return sorted(found)


def distribution_name(project: Project) -> str:
    pyproject = project.root / "pyproject.toml"
    text = project.read(pyproject) if pyproject.exists() or pyproject.is_symlink() else None
    found = re.search(r'(?m)^name\s*=\s*"([^"]+)"', text or "")
    if found:
        if DISTRIBUTION_NAME.match(found.group(1)):
            return found.group(1)
        project.warn(
            pyproject,
            f"the name {shown(found.group(1))} is not a distribution's name; "
            "the directory's name is used instead",
        )
    # The directory's name, made a distribution's name; new.yml lowercases it.
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", project.real_root.name).strip("-._")
    return name if DISTRIBUTION_NAME.match(name) else "app"


def module_name(root: Path, path: Path) -> str:
    """The dotted import name of a file, with a src/ layout taken into account."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
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


def asgi_app(project: Project, trees: dict[Path, ast.Module]) -> tuple[str, bool]:
    """The first module-level `name = FastAPI(...)`-like assignment, or a create_app factory.

    An app in a file that no import can name (a directory `my-app`, say) is
    left out with a warning: uvicorn could not load it, and its path is not
    written into the inventory.
    """
    factory = ""
    for path, tree in trees.items():
        for node in tree.body:
            found = ""
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                called = ast.unparse(node.value.func).split(".")[-1]
                target = node.targets[0]
                if isinstance(target, ast.Name) and called in ASGI_CLASSES | {"create_app"}:
                    found = f"{module_name(project.root, path)}:{target.id}"
            is_factory = isinstance(node, ast.FunctionDef) and node.name == "create_app"
            if is_factory and not factory:
                found = f"{module_name(project.root, path)}:create_app"
            if not found:
                continue
            if not APP_MODULE.match(found):
                project.warn(
                    path,
                    f"an app, but {shown(found)} is not an import path "
                    "(package.module:attribute); left out",
                )
                continue
            if not is_factory:
                return found, False
            factory = found
    return factory, bool(factory)


def module_file(project: Project, name: str) -> Path | None:
    """The file of a module named by its import path, in the project or its src/."""
    if not MODULE_PATH.match(name):
        return None
    parts = name.split(".")
    for base in (project.root, project.root / "src"):
        for candidate in (
            base.joinpath(*parts).with_suffix(".py"),
            base.joinpath(*parts, "__init__.py"),
        ):
            if candidate.exists() or candidate.is_symlink():
                return candidate
    return None


def parse(project: Project, path: Path | None) -> ast.Module | None:
    text = project.read(path) if path is not None else None
    if text is None:
        return None
    try:
        return ast.parse(text, str(path))
    except (SyntaxError, ValueError):
        return None


def strings(node: ast.expr) -> list[str]:
    """The string constants of a list or tuple, or of a sum of them."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return strings(node.left) + strings(node.right)
    if isinstance(node, ast.List | ast.Tuple):
        return [
            item.value
            for item in node.elts
            if isinstance(item, ast.Constant) and isinstance(item.value, str)
        ]
    return []


class DjangoSettings(NamedTuple):
    """What the settings module assigns that the inventory depends on."""

    urlconf: str = ""
    apps: frozenset[str] = frozenset()
    static_url: str = ""
    # STATIC_ROOT is assigned: collectstatic has somewhere to write.
    static_root: bool = False


def django_settings(project: Project, settings: str) -> DjangoSettings:
    """ROOT_URLCONF, INSTALLED_APPS, STATIC_URL and STATIC_ROOT, as assigned.

    Settings split into a package (`mysite/settings/base.py`, `prod.py`...)
    are read file by file, all of them: each may add to any.
    """
    path = module_file(project, settings)
    if path is None:
        return DjangoSettings()
    files = [path]
    if path.parent.name == "settings" or path.name == "__init__.py":
        files = sorted(path.parent.glob("*.py"))
    found: dict[str, Any] = {"apps": set()}
    for file in files:
        tree = parse(project, file)
        for node in tree.body if tree else []:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AugAssign):
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            constant = value.value if isinstance(value, ast.Constant) else None
            if target.id == "INSTALLED_APPS":
                found["apps"].update(strings(value))
            elif target.id == "STATIC_ROOT":
                found["static_root"] = True
            elif target.id in ("ROOT_URLCONF", "STATIC_URL") and isinstance(constant, str):
                found.setdefault(
                    "urlconf" if target.id == "ROOT_URLCONF" else "static_url", constant
                )
    return DjangoSettings(
        urlconf=found.get("urlconf", ""),
        apps=frozenset(found["apps"]),
        static_url=found.get("static_url", ""),
        static_root=found.get("static_root", False),
    )


def django_background(project: Project, settings: str) -> dict[str, Any]:
    """A worker for the task queue the project installs, and the daily cleanup.

    Django's own advice is to run clearsessions daily where sessions are kept
    in the database; a django-q2 cluster runs with its ORM broker from the
    project's own settings. Celery's worker needs the project's Celery app,
    named after its package.
    """
    found = django_settings(project, settings)
    package = settings.split(".", 1)[0]
    processes = {}
    if "django_q" in found.apps:
        processes["worker"] = "python -m django qcluster"
    elif (project.root / package / "celery.py").is_file():
        processes["worker"] = f"celery -A {package} worker --concurrency 2"
    timers = {}
    if "django.contrib.sessions" in found.apps:
        timers["clearsessions"] = {
            "command": "python -m django clearsessions",
            "on_calendar": "daily",
        }
    return {"app__processes": processes, "app__timers": timers}


def django_static(project: Project, settings: str) -> dict[str, Any]:
    """collectstatic as the build, and its STATIC_URL served from the release.

    The directory is the one the README's settings line gives STATIC_ROOT:
    `static` in $APP_RELEASE_DIR. Without STATIC_ROOT, nothing: the inventory
    then says which line to add.
    """
    found = django_settings(project, settings)
    if "django.contrib.staticfiles" not in found.apps:
        return {"app__build_command": "", "app__static": {}, "django_static_root": True}
    prefix = "/" + (found.static_url or "static/").strip("/") + "/"
    if not found.static_root or not STATIC_PREFIX.match(prefix):
        return {"app__build_command": "", "app__static": {}, "django_static_root": False}
    return {
        "app__build_command": "python -m django collectstatic --noinput",
        "app__static": {prefix: "static"},
        "django_static_root": True,
    }


def django_routes(tree: ast.Module) -> list[tuple[str, str, str]]:
    """(route, view, name=) of each path() in the module's urlpatterns.

    Only the list itself: a route inside include() or i18n_patterns() has a
    prefix that this does not follow. A re_path() counts where its pattern
    is a plain path between ^ and $.
    """
    routes: list[tuple[str, str, str]] = []

    def entries(node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return entries(node.left) + entries(node.right)
        return list(node.elts) if isinstance(node, ast.List | ast.Tuple) else []

    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AugAssign):
            targets, value = [statement.target], statement.value
        else:
            continue
        if not any(isinstance(t, ast.Name) and t.id == "urlpatterns" for t in targets):
            continue
        for entry in entries(value):
            if not (isinstance(entry, ast.Call) and len(entry.args) >= 2):
                continue
            called = ast.unparse(entry.func).split(".")[-1]
            first = entry.args[0]
            if called not in {"path", "re_path", "url"} or not (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            ):
                continue
            route = first.value
            if called != "path":
                route = route.removeprefix("^").removesuffix("$").replace("\\", "")
            if not DJANGO_PLAIN_ROUTE.match(route):
                continue
            view = entry.args[1]
            if isinstance(view, ast.Call):
                # include(...) routes to more routes, under this prefix.
                if not isinstance(view.func, ast.Attribute) or view.func.attr != "as_view":
                    continue
                view = view.func.value
            name = [
                str(keyword.value.value)
                for keyword in entry.keywords
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant)
            ]
            routes.append((route, ast.unparse(view), " ".join(name)))
    return routes


def django_health_path(project: Project, settings: str) -> str:
    """The admin's login page, else a route named like a health check; or empty.

    A stock project answers / with 404: a path that only a project's own
    routes make is the one that can say it is up.
    """
    found = django_settings(project, settings)
    urlconf, apps = found.urlconf, found.apps
    if not urlconf:
        urlconf = settings.rsplit(".", 1)[0] + ".urls"
    tree = parse(project, module_file(project, urlconf))
    routes = django_routes(tree) if tree else []
    admin = any(
        app == "django.contrib.admin" or app.startswith("django.contrib.admin.apps.")
        for app in apps
    )
    for route, view, _ in routes:
        if admin and view.endswith("site.urls"):
            return f"/{route}login/" if route.endswith("/") or not route else f"/{route}/login/"
    ranked = [
        (rank, index, route)
        for index, (route, view, name) in enumerate(routes)
        for rank, word in enumerate(DJANGO_HEALTH_WORDS)
        if word in f"{route} {view} {name}".lower()
    ]
    return "/" + min(ranked)[2] if ranked else ""


def migrate_command(project: Project, texts: dict[Path, str]) -> str:
    """A package whose `python -m` entry knows a `migrate` command."""
    for path in texts:
        if path.name == "__main__.py":
            package = module_name(project.root, path.parent / "__init__.py")
            cli = path.parent / "cli.py"
            sources = [texts[path], texts.get(cli) or ""]
            if not any("migrate" in source for source in sources):
                continue
            if MODULE_PATH.match(package):
                return f"python -m {package} migrate"
            project.warn(path, f"{shown(package)} is not a package's import path; left out")
    return ""


def detect(
    root: Path, given_module: str | None = None, given_factory: bool | None = None
) -> dict[str, Any]:
    """The facts of the project in root, and under `warnings` what was left out.

    given_module and given_factory, when not None, are the user's and replace
    what would be found; with a module given, no app is looked for.

    Raises ProjectError when the project cannot be described with values
    that are safe to write into an inventory.
    """
    if given_module is not None and not APP_MODULE.match(given_module):
        raise ProjectError(
            f"app__module {shown(given_module)} must be 'package.module:attribute' "
            "(letters, digits, _ and ., e.g. shop.main:app); nothing was written"
        )
    project = Project(root)
    texts: dict[Path, str] = {}
    trees: dict[Path, ast.Module] = {}
    for path in project.python_files():
        text = project.read(path)
        if text is None:
            continue
        try:
            trees[path] = ast.parse(text, str(path))
        except (SyntaxError, ValueError):
            continue
        texts[path] = text

    names: set[str] = set()
    for path, tree in trees.items():
        for name in sorted(environment_names(tree)):
            if ENV_NAME.match(name):
                names.add(name)
            else:
                project.warn(
                    path,
                    f"reads the environment variable {shown(name)}, which is not a "
                    "name ([A-Za-z_][A-Za-z0-9_]*); left out",
                )
    names -= SET_BY_TOOLKIT

    facts: dict[str, Any] = {"name": distribution_name(project)}
    manage = root / "manage.py"
    manage_text = project.read(manage) if manage.exists() or manage.is_symlink() else None
    settings = re.search(
        r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([^"']+)["']""", manage_text or ""
    )
    if settings:
        if not MODULE_PATH.match(settings.group(1)) or "." not in settings.group(1):
            raise ProjectError(
                f"{manage}: DJANGO_SETTINGS_MODULE {shown(settings.group(1))} is not a "
                "module's import path (package.settings); nothing was written"
            )
        package = settings.group(1).rsplit(".", 1)[0]
        names.discard("DJANGO_SETTINGS_MODULE")
        facts.update(
            framework="django",
            app__module=f"{package}.asgi:application",
            app__factory=False,
            app__migrate_command="python -m django migrate --noinput",
            app__health_path=django_health_path(project, settings.group(1)),
            django_settings_module=settings.group(1),
            **django_static(project, settings.group(1)),
            **django_background(project, settings.group(1)),
        )
    else:
        module, factory = asgi_app(project, trees) if given_module is None else ("", False)
        found = {route for text in texts.values() for route in HEALTH_ROUTE.findall(text)}
        routes = sorted(found, key=lambda route: HEALTH_PREFERENCE.index(route.strip("/")))
        root_routed = any(ROOT_ROUTE.search(text) for text in texts.values())
        facts.update(
            framework="asgi",
            app__module=module,
            app__factory=factory,
            app__migrate_command=migrate_command(project, texts),
            app__health_path="/" + routes[0] if routes else "/" if root_routed else "",
            app__build_command="",
            app__static={},
            app__processes={},
            app__timers={},
        )
    if not HEALTH_PATH.match(facts["app__health_path"]):
        facts["app__health_path"] = ""
    if given_module is not None:
        facts.update(app__module=given_module, app__factory=False)
    if given_factory is not None:
        facts["app__factory"] = given_factory
    facts["env_names"] = {
        "plain": sorted(name for name in names if not SECRET_WORDS.search(name)),
        "secret": sorted(name for name in names if SECRET_WORDS.search(name)),
    }
    facts["warnings"] = project.warnings
    return facts


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "app__module": {"type": "str"},
            "app__factory": {"type": "bool"},
        },
        supports_check_mode=True,
    )
    root = Path(module.params["path"])
    if not root.is_dir():
        module.fail_json(msg=f"path '{root}' is not a directory of a Python project")
    try:
        facts = detect(root, module.params["app__module"], module.params["app__factory"])
    except ProjectError as error:
        module.fail_json(msg=str(error))
    for warning in facts.pop("warnings"):
        module.warn(warning)
    if not facts["app__module"]:
        module.fail_json(
            msg=f"found no ASGI app in {root}: no module-level FastAPI(...)/Starlette(...) "
            "assignment, no create_app() and no Django manage.py; give the app yourself: "
            "-e app__module=package.module:attribute (and -e app__factory=true for a factory)",
            **facts,
        )
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
