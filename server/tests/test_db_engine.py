"""server.db.engine: SQLite paths, safe descriptions and read-only engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.db import engine
from server.db.migrations import read_revision, upgrade

HEAD = "0002"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////srv/app/server.db", Path("/srv/app/server.db")),
        ("sqlite:///file:/srv/app/server.db?mode=ro&uri=true", Path("/srv/app/server.db")),
        ("sqlite:///file:///srv/app/a%20b.db?uri=true", Path("/srv/app/a b.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file::memory:?cache=shared&uri=true", None),
        ("sqlite:///file:mem1?mode=memory&uri=true", None),
        ("postgresql://app@localhost/app", None),
    ],
)
def test_sqlite_file(url: str, expected: Path | None) -> None:
    assert engine.sqlite_file(url) == expected


def test_relative_sqlite_file_is_against_working_directory() -> None:
    assert engine.sqlite_file("sqlite:///data/app.db") == Path.cwd() / "data" / "app.db"


def test_describe_hides_password() -> None:
    described = engine.describe("postgresql://app:s3cret@db.internal:5432/app")
    assert "s3cret" not in described
    assert "db.internal" in described


def test_readonly_engine_handles_awkward_paths(tmp_path: Path) -> None:
    path = tmp_path / "dir with space?and#hash%" / "server.db"
    url = f"sqlite:///{path}"
    assert read_revision(url) is None
    assert not path.parent.exists()
    upgrade(url)
    assert read_revision(url) == HEAD
