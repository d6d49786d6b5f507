"""The service's import check: it must fail where uvicorn's workers would die at start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECK = Path(__file__).resolve().parents[1] / "roles/app/files/import-check.py"


def check(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    app_dir = tmp_path / "src"
    app_dir.mkdir(parents=True)
    (app_dir / "myapp.py").write_text(source)
    # As the unit runs it: from the release's directory, with uvicorn's arguments.
    return subprocess.run(
        [sys.executable, str(CHECK), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_app_that_imports_passes(tmp_path: Path) -> None:
    result = check(tmp_path, "app = object()\n", "myapp:app", "--app-dir", "src", "--proxy-headers")
    assert result.returncode == 0, result.stderr


def test_an_error_raised_at_import_fails_with_its_traceback(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        "raise ValueError('LOG_LEVEL must be one of x')\n",
        "myapp:app",
        "--app-dir",
        "src",
    )
    assert result.returncode != 0
    assert "LOG_LEVEL must be one of x" in result.stderr


def test_a_missing_attribute_fails_naming_the_app(tmp_path: Path) -> None:
    result = check(tmp_path, "other = 1\n", "myapp:app", "--app-dir=src")
    assert result.returncode == 1
    assert "cannot load the app 'myapp:app'" in result.stderr


def test_the_app_directory_defaults_to_the_working_directory(tmp_path: Path) -> None:
    result = check(tmp_path, "app = object()\n", "src.myapp:app")
    assert result.returncode == 0, result.stderr


def test_a_factory_is_called_only_with_factory(tmp_path: Path) -> None:
    source = "def make():\n    raise RuntimeError('no database')\n"
    assert check(tmp_path / "plain", source, "myapp:make", "--app-dir", "src").returncode == 0
    result = check(tmp_path / "factory", source, "myapp:make", "--app-dir", "src", "--factory")
    assert result.returncode != 0
    assert "no database" in result.stderr
