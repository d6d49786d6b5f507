"""The bundled server's version is written once, in server/__init__.py."""

import re
import tomllib
from pathlib import Path

import pytest

from server import __version__
from server.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_metadata_reads_the_version_from_the_code() -> None:
    project = tomllib.loads((ROOT / "server/pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "server.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_the_command_line_prints_the_same_version(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        build_parser().parse_args(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.split()[-1] == __version__
