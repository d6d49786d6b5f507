"""server.db.readiness: the check behind /readyz."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server.db.migrations import upgrade
from server.db.readiness import Readiness, ReadinessCheck

HEAD = "0002"


def test_readiness_check_reports_each_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    check = ReadinessCheck(url, HEAD)
    try:
        assert check.check().ready is False
        upgrade(url, "0001")
        result = check.check()
        assert (result.ready, result.revision) == (False, "0001")
        upgrade(url)
        assert check.check() == Readiness(True, HEAD)
    finally:
        check.close()


def test_serving_does_not_load_alembic(tmp_path: Path) -> None:
    """The HTTP workers stay lean: Alembic is only for ``migrate``."""
    code = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from server.app import create_app\n"
        "with TestClient(create_app()) as client:\n"
        "    assert client.get('/readyz').status_code == 503\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    env = {**os.environ, "STATE_DIRECTORY": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_newer_release_schema_is_ready_an_older_one_is_not(tmp_path: Path) -> None:
    """During a rolling deploy the new release migrates first: the old one
    stays ready on a revision it does not know, but not on an older one."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(url)
    older = ReadinessCheck(url, "0001", frozenset({"0001"}))
    newer = ReadinessCheck(url, "0003", frozenset({"0001", "0002", "0003"}))
    try:
        assert older.check() == Readiness(True, HEAD)
        result = newer.check()
        assert (result.ready, result.revision) == (False, HEAD)
    finally:
        older.close()
        newer.close()
