from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app

ENV_VARS = ("DATABASE_URL", "STATE_DIRECTORY", "APP_RELEASE", "LOG_LEVEL")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from an environment without the server's variables.

    The working directory moves to a scratch directory too, so a fallback to
    it can never write into the source tree.
    """
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A systemd-style state directory; it does not exist until something creates it."""
    path = tmp_path / "state"
    monkeypatch.setenv("STATE_DIRECTORY", str(path))
    return path


@pytest.fixture
def db_file(state_dir: Path) -> Path:
    return state_dir / "server.db"


@pytest.fixture
def client(state_dir: Path) -> Iterator[TestClient]:
    """The app built from the environment as it is when the test asks for it."""
    with TestClient(create_app()) as test_client:
        yield test_client
