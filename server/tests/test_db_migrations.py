"""server.db.migrations: the packaged Alembic migrations and the database's revision."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command

from server.db import migrations
from server.db.engine import make_engine

HEAD = "0002"


def test_migrations_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.downgrade(migrations.alembic_config(connection), "0001")
            assert migrations.current_revision(connection) == "0001"
            columns = {c[1] for c in connection.exec_driver_sql("PRAGMA table_info(visits)")}
            assert "client" not in columns
            command.downgrade(migrations.alembic_config(connection), "base")
            assert migrations.current_revision(connection) is None
            tables = connection.exec_driver_sql("SELECT name FROM sqlite_master").fetchall()
            assert ("visits",) not in tables
    finally:
        engine.dispose()
    assert migrations.upgrade(url).applied == (
        ("0001", "Create the visits table."),
        ("0002", "Record the client address of a visit and index visits by time."),
    )


def test_head_revision_agrees_with_alembic() -> None:
    assert migrations.head_revision() == migrations.script_directory().get_current_head() == HEAD


def test_current_revision_agrees_with_alembic(tmp_path: Path) -> None:
    from alembic.runtime.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = make_engine(url)
    try:
        for target in ("0001", "0002"):
            migrations.upgrade(url, target)
            with engine.connect() as connection:
                ours = migrations.current_revision(connection)
                theirs = MigrationContext.configure(connection).get_current_revision()
            assert ours == theirs == target
    finally:
        engine.dispose()


def test_head_revision_follows_the_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "__init__.py").write_text("")
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "c.py").write_text('revision: str = "c"\ndown_revision: str = "b"\n')
    (versions / "b.py").write_text('revision = "b"\ndown_revision = "a"\n')
    monkeypatch.setattr(migrations, "VERSIONS_DIR", versions)
    assert migrations.head_revision() == "c"
    # A second branch from "a" leaves two heads, which is refused.
    (versions / "d.py").write_text('revision = "d"\ndown_revision = "a"\n')
    with pytest.raises(migrations.MigrationError, match="one newest migration"):
        migrations.head_revision()
    # A merge revision joins them again.
    (versions / "e.py").write_text('revision = "e"\ndown_revision = ("c", "d")\n')
    assert migrations.head_revision() == "e"
