"""The repository builds as the Ansible collection plainvm.asgi."""

import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_collection_builds_with_roles_and_server_but_no_local_state(tmp_path):
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run(
        [str(galaxy), "collection", "build", "--output-path", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (archive,) = tmp_path.glob("plainvm-asgi-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    for role in ("app", "proxy", "firewall", "lab"):
        assert f"roles/{role}/meta/argument_specs.yml" in names
    assert "server/pyproject.toml" in names
    assert "plugins/filter/network.py" in names
    assert not any(name.startswith((".venv", ".lab", ".cache", "molecule/")) for name in names)


def test_readme_install_commands_install_the_collection(tmp_path):
    """The README's build and install commands, run as written, give plainvm.asgi."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## As a collection", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split() for line in block.strip().splitlines()]
    assert [command[:3] for command in commands] == [
        ["ansible-galaxy", "collection", "build"],
        ["ansible-galaxy", "collection", "install"],
    ]
    bin_dir = Path(sys.executable).parent

    # As typed in a checkout, with the checkout and dist/ put where the test runs.
    def place(word: str) -> str:
        if word == ".":
            return str(ROOT)
        return str(tmp_path / word) if word.startswith("dist/") else word

    for command in commands:
        argv = [str(bin_dir / command[0]), *map(place, command[1:])]
        # A user's own collections path, empty before the install.
        env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections")}
        subprocess.run(argv, check=True, capture_output=True, env=env)
    installed = tmp_path / "collections" / "ansible_collections" / "plainvm" / "asgi"
    assert (installed / "roles" / "app" / "tasks" / "main.yml").is_file()
