"""Each role's README carries the variable table of its argument specs."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_role_readmes_match_their_argument_specs():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools/role-docs"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def has_comment(lines, index):
    """A variable's comment sits above it, or above the run of variables it belongs to."""
    for line in reversed(lines[:index]):
        if line.startswith("#"):
            return True
        if not line.strip() or line == "---":
            return False
    return False


def test_every_role_has_argument_specs_and_commented_defaults():
    roles = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
    assert roles
    for role in roles:
        assert (role / "meta/argument_specs.yml").is_file(), role.name
        defaults = role / "defaults/main.yml"
        lines = defaults.read_text().splitlines()
        variables = [i for i, line in enumerate(lines) if line[:1].isalpha()]
        assert variables, defaults
        for index in variables:
            assert has_comment(lines, index), f"{defaults}: {lines[index]!r} has no comment"


def test_defaults_and_argument_specs_agree():
    """Every variable in defaults/main.yml is in the role's spec with the same default."""
    for role in sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir()):
        defaults = yaml.safe_load((role / "defaults/main.yml").read_text())
        specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]
        options = {
            name: spec for entry in specs.values() for name, spec in entry["options"].items()
        }
        for name, value in defaults.items():
            assert name in options, f"{role.name}: {name} has a default but no argument spec"
            if "{{" in str(value):
                # Computed on the host or from the role's path: the spec documents it instead.
                assert "default" not in options[name], f"{role.name}: {name}"
                continue
            assert options[name].get("default") == value, f"{role.name}: {name}"
        for name, spec in options.items():
            if "default" in spec:
                assert name in defaults, (
                    f"{role.name}: {name} has a spec default but none in defaults"
                )
