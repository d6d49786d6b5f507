"""docs/recipes.md says what the new scenario deploys, and what new.yml writes for it.

The scenario makes its Django project with molecule/new/django_project.py:
its settings lines and pyproject.toml must be the recipe's, word for word,
and project_facts must find in that project what the recipe's inventory
holds. (tests/test_inputs.py runs the recipe's inventories through the app
role's checks.)
"""

import importlib.util
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RECIPES = (ROOT / "docs/recipes.md").read_text()


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


django_project = load("django_project", ROOT / "molecule/new/django_project.py")
project_facts = load("project_facts", ROOT / "plugins/modules/project_facts.py")


def blocks(language):
    """The recipe's code blocks in LANGUAGE, their list indent removed."""
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", RECIPES, re.MULTILINE | re.DOTALL)
    return [re.sub(rf"(?m)^{indent}", "", body) for indent, body in found]


def test_the_scenarios_settings_lines_are_the_recipes():
    assert django_project.SETTINGS.strip() in [block.strip() for block in blocks("python")]


def test_the_scenarios_pyproject_is_the_recipes():
    assert django_project.PYPROJECT.strip() in [block.strip() for block in blocks("toml")]


def test_new_finds_in_the_recipes_project_what_its_inventory_holds(tmp_path, monkeypatch):
    project = tmp_path / "mysite"
    monkeypatch.setattr(sys, "argv", ["django_project.py", str(project)])
    django_project.main()
    facts = project_facts.detect(project, None, None)
    inventory = next(
        settings
        for settings in map(yaml.safe_load, blocks("yaml"))
        if settings.get("app__name") == "mysite"
    )
    for name in (
        "app__module",
        "app__migrate_command",
        "app__health_path",
        "app__build_command",
        "app__static",
        "app__processes",
        "app__timers",
    ):
        assert facts[name] == inventory[name], name
    names = {"plain": ["DJANGO_ALLOWED_HOSTS"], "secret": ["DJANGO_SECRET_KEY"]}
    assert facts["env_names"] == names
