"""The playbooks refuse bad input before they connect to any host.

Each case runs a playbook against an app host that nothing answers for
(loopback, a closed port): a run that connects fails as unreachable, so the
refusal must come first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def playbook(
    tmp_path: Path, name: str, extra: dict[str, object]
) -> subprocess.CompletedProcess[str]:
    inventory = {
        "web": {
            "hosts": {
                "web1": {
                    "ansible_host": "127.0.0.1",
                    # A closed port: a run that connects fails as unreachable.
                    "ansible_port": 1,
                    "ansible_python_interpreter": sys.executable,
                }
            }
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "--inventory",
            str(tmp_path / "inventory.json"),
            "--extra-vars",
            json.dumps(extra),
            str(ROOT / "playbooks" / name),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
        cwd=tmp_path,
    )


@pytest.mark.parametrize("kind", ["link", "directory"])
def test_a_page_that_is_no_small_regular_file_is_refused_before_any_connection(
    tmp_path: Path, kind: str
) -> None:
    page = tmp_path / "page.html"
    if kind == "link":
        page.symlink_to("/etc/hostname")
    else:
        page.mkdir()
    # The page is read on the controller: a link or a tree would be sent out.
    result = playbook(tmp_path, "maintenance.yml", {"maintenance_page": str(page)})
    assert result.returncode == 2, result.stdout
    assert "must be a regular file of at most 1 MiB" in result.stdout
    assert f"it is a {kind}" in result.stdout
    assert "UNREACHABLE" not in result.stdout


@pytest.mark.parametrize("name", ["deploy.yml", "run.yml"])
def test_the_app_name_is_checked_before_the_lock_makes_its_directory(
    tmp_path: Path, name: str
) -> None:
    result = playbook(tmp_path, name, {"app__name": "../etc", "command": "true"})
    assert result.returncode == 2, result.stdout
    assert "app__name" in result.stdout
    assert "UNREACHABLE" not in result.stdout
