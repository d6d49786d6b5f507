"""The repository builds as the Ansible collection plainvm.asgi."""

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The archive is about 190 KB; a much larger one packs something it should not.
ARCHIVE_LIMIT = 600_000


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


# What a used checkout holds beside the collection: none of it may be packed.
LOCAL_STATE = {
    "inventory/credentials/lab/server-database": "generated-password\n",
    "inventory/lab/credentials/db-postgres": "generated-password\n",
    ".mypy_cache/3.10/cache.db": "x",
    ".ruff_cache/0.6.0/x": "x",
    ".pytest_cache/v/cache/lastfailed": "{}",
    ".ansible/collections/ansible_collections/plainvm/asgi/galaxy.yml": "name: asgi\n",
    ".lab/x": "x",
    ".cache/wheelhouse/x.whl": "x",
    ".venv/pyvenv.cfg": "home = /usr/bin\n",
    ".git/config": "[core]\n",
    ".env": "SECRET=1\n",
    "bench/results/bench.log": "x",
    "molecule/faults/results.json": "{}",
    "roles/app/files/.secret": "x",
    "server/src/server/__pycache__/app.cpython-311.pyc": "x",
    "dist/plainvm-asgi-0.0.9.tar.gz": "x",
}
# Checkout-only directories that are large, not the collection's, or both.
NOT_COPIED = {
    ".git",
    ".venv",
    ".lab",
    ".cache",
    ".ansible",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "dist",
    "__pycache__",
}


def test_archive_holds_only_the_collection_from_a_used_checkout(tmp_path):
    """Planted credentials, caches, a nested collection and dot-directories stay out."""
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    for name, text in LOCAL_STATE.items():
        path = checkout / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run(
        [str(galaxy), "collection", "build", "--output-path", str(tmp_path / "out"), str(checkout)],
        check=True,
        capture_output=True,
    )
    (archive,) = (tmp_path / "out").glob("plainvm-asgi-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        packed = b"".join(
            file.read() for member in tar.getmembers() if (file := tar.extractfile(member))
        )
    assert not names & set(LOCAL_STATE)
    assert not [name for name in names if "credentials" in name]
    assert not [name for name in names if any(part.startswith(".") for part in name.split("/"))]
    assert not [
        name for name in names if name.startswith(("inventory", "bench", "molecule", "dist"))
    ]
    assert not [name for name in names if name.endswith("galaxy.yml") or "__pycache__" in name]
    assert b"generated-password" not in packed
    # What a user of the collection runs.
    for needed in (
        "site.yml",
        "roles/app/tasks/main.yml",
        "roles/app/files/build-wheelhouse",
        "plugins/modules/project_facts.py",
        "playbooks/new.yml",
        "templates/inventory/hosts.yml.j2",
        "server/pyproject.toml",
        "README.md",
        "LICENSE",
    ):
        assert needed in names, needed
    assert archive.stat().st_size < ARCHIVE_LIMIT, archive.stat().st_size
