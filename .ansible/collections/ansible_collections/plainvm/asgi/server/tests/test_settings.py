from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_default_database_is_in_state_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({"STATE_DIRECTORY": str(tmp_path / "state")})
    assert settings.database_url == f"sqlite:///{tmp_path}/state/server.db"


def test_state_directory_list_uses_first_entry(tmp_path: Path) -> None:
    env = {"STATE_DIRECTORY": f"{tmp_path}/first:{tmp_path}/second"}
    assert Settings.from_env(env).database_url == f"sqlite:///{tmp_path}/first/server.db"


def test_without_state_directory_uses_working_directory() -> None:
    # conftest moved the working directory to a scratch directory.
    expected = Path.cwd() / "server.db"
    assert Settings.from_env({}).database_url == f"sqlite:///{expected}"
    assert Settings.from_env({"STATE_DIRECTORY": ""}).database_url == f"sqlite:///{expected}"


def test_os_environ_is_read_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("APP_RELEASE", "r42")
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path}/server.db"
    assert settings.release == "r42"


def test_database_url_overrides_state_directory(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://app@db.internal/app", "STATE_DIRECTORY": str(tmp_path)}
    assert Settings.from_env(env).database_url == "postgresql://app@db.internal/app"


def test_empty_database_url_counts_as_unset(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "", "STATE_DIRECTORY": str(tmp_path)}
    assert Settings.from_env(env).database_url == f"sqlite:///{tmp_path}/server.db"


def test_invalid_database_url_is_rejected_without_echoing_it() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL") as info:
        Settings.from_env({"DATABASE_URL": "not a url hunter2"})
    assert "hunter2" not in str(info.value)


def test_release_defaults_to_dev() -> None:
    assert Settings.from_env({}).release == "dev"
    assert Settings.from_env({"APP_RELEASE": ""}).release == "dev"
    assert Settings.from_env({"APP_RELEASE": "2025.01.20-3"}).release == "2025.01.20-3"


@pytest.mark.parametrize(
    ("value", "level"),
    [("debug", "DEBUG"), ("INFO", "INFO"), (" Warning ", "WARNING"), ("warn", "WARNING")],
)
def test_log_level_names(value: str, level: str) -> None:
    assert Settings.from_env({"LOG_LEVEL": value}).log_level == level


def test_log_level_defaults_to_info() -> None:
    assert Settings.from_env({}).log_level == "INFO"


def test_unknown_log_level_is_rejected() -> None:
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        Settings.from_env({"LOG_LEVEL": "loud"})


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.release = "other"  # type: ignore[misc]
