from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
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


# PostgreSQL: a throwaway cluster of the real server, for the tests that need
# one. It listens on a Unix socket in its own directory and on no TCP port, so
# it cannot clash with a server of the machine or be reached from outside.

PG_USER = "postgres"
PG_PACKAGE = "postgresql-15"
# A conninfo left in the environment must not redirect the tests' connections.
_PG_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE")


@dataclass(frozen=True)
class PostgresCluster:
    socket_dir: Path
    """Where the server's socket is: the ``host`` of a URL."""

    def url(self, database: str) -> str:
        """The URL of DATABASE in the form users write: the driver is left to the server."""
        return f"postgresql://{PG_USER}@/{database}?host={self.socket_dir}"

    def connect(self, database: str = "postgres", **kwargs: Any) -> psycopg.Connection[Any]:
        """A psycopg connection of the test's own, outside the code under test."""
        return psycopg.connect(
            host=str(self.socket_dir), dbname=database, user=PG_USER, autocommit=True, **kwargs
        )


def _postgres_bindir() -> Path:
    """The server's programs: pg_config's answer if initdb is there, else the newest Debian one."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if answer.returncode == 0 and answer.stdout.strip():
            candidates.append(Path(answer.stdout.strip()))
    versions = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin")]
    # Newest first: "15" after "9.6".
    candidates += sorted(versions, key=lambda d: [int(n) for n in re.findall(r"\d+", str(d))])[::-1]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    # Failing, not skipping: a run without them would pass without testing PostgreSQL.
    pytest.fail(
        "PostgreSQL server programs (initdb, pg_ctl) not found via pg_config --bindir or in "
        f"/usr/lib/postgresql/*/bin: install them with `apt-get install {PG_PACKAGE}`",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of its own, in a temporary directory, for the whole session.

    initdb refuses to run as root, so as root the cluster belongs to
    ``nobody``; otherwise to the user running the tests.
    """
    bindir = _postgres_bindir()
    as_user: list[str] = []
    owner: tuple[int, int] | None = None
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        as_user = ["runuser", "-u", nobody.pw_name, "--"]
        owner = (nobody.pw_uid, nobody.pw_gid)
    # Not under pytest's own temporary directory, which only its owner can enter;
    # and short, because a socket's path is limited to about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="server-pg-"))
    root.chmod(0o755)
    data, log = root / "data", root / "server.log"
    if owner is not None:
        os.chown(root, *owner)
    env = {k: v for k, v in os.environ.items() if k not in _PG_ENV}

    def run(*argv: str) -> None:
        done = subprocess.run(
            [*as_user, *argv], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(
                f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
                f"{server_log}",
                pytrace=False,
            )

    pg_ctl = str(bindir / "pg_ctl")
    try:
        run(
            str(bindir / "initdb"),
            f"--pgdata={data}",
            f"--username={PG_USER}",
            "--auth=trust",
            "--no-locale",
            "--encoding=UTF8",
            "--no-sync",
        )
        # Only the socket in ROOT, no TCP port; pg_ctl hands these to a shell.
        options = f"-c listen_addresses='' -c unix_socket_directories='{root}' -c fsync=off"
        run(pg_ctl, "start", "--wait", f"--pgdata={data}", f"--log={log}", f"--options={options}")
        yield PostgresCluster(root)
    finally:
        # Also after a start that failed half-way; a cluster that is not running
        # makes pg_ctl complain, which does not matter here.
        subprocess.run(
            [*as_user, pg_ctl, "stop", "--wait", "--mode=immediate", f"--pgdata={data}"],
            cwd=root,
            env=env,
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


_database_numbers = itertools.count(1)


@pytest.fixture
def pg_url(postgres: PostgresCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = f"t{next(_database_numbers)}_" + re.sub(r"\W", "_", request.node.name).lower()[:40]
    with postgres.connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres.url(name)
    with postgres.connect() as admin:
        # FORCE: a connection the test left open must not keep the database alive.
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
