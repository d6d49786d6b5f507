"""The repository builds as the Ansible collection plainvm.asgi."""

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
