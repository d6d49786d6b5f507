"""The controller-side wheelhouse builder: digests, platform tags, sources."""

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_loader = importlib.machinery.SourceFileLoader(
    "build_wheelhouse", str(ROOT / "roles/app/files/build-wheelhouse")
)
_spec = importlib.util.spec_from_loader("build_wheelhouse", _loader)
builder = importlib.util.module_from_spec(_spec)
_loader.exec_module(builder)


def make_project(path: Path) -> Path:
    (path / "pkg").mkdir(parents=True)
    (path / "pyproject.toml").write_text("[project]\nname = 'pkg'\nversion = '1'\n")
    (path / "pkg/__init__.py").write_text("x = 1\n")
    return path


def test_tree_digest_follows_content_and_ignores_build_leftovers(tmp_path):
    project = make_project(tmp_path / "p")
    first = builder.tree_digest(project)
    (project / "pkg/__pycache__").mkdir()
    (project / "pkg/__pycache__/x.pyc").write_bytes(b"junk")
    (project / "build").mkdir()
    (project / "build/lib.txt").write_text("junk")
    assert builder.tree_digest(project) == first
    (project / "pkg/__init__.py").write_text("x = 2\n")
    assert builder.tree_digest(project) != first


def test_platform_tags_for_bookworm():
    tags = builder.platforms("2.36", "x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in tags
    assert "manylinux2014_x86_64" in tags
    assert "manylinux_2_37_x86_64" not in tags
    assert tags[-1] == "linux_x86_64"


def test_source_kinds(tmp_path):
    project = make_project(tmp_path / "p")
    assert builder.source_key(str(project))[0] == "directory"
    wheel = tmp_path / "pkg-1-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    assert builder.source_key(str(wheel))[0] == "file"
    assert builder.source_key("pkg==1")[0] == "requirement"
    assert builder.source_key("git+https://example.org/pkg.git@v1")[0] == "requirement"


def test_missing_path_and_directory_without_project_are_named(tmp_path):
    with pytest.raises(SystemExit, match="does not exist"):
        builder.source_key(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="without pyproject.toml"):
        builder.source_key(str(tmp_path / "empty"))
