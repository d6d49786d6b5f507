"""The controller-side wheelhouse builder: digests, platform tags, sources, the cache.

The builds run pip with no index: packages come from find-links folders of
wheels and from projects with an in-tree build backend, all made here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "roles/app/files/build-wheelhouse"
builder = load_script(SCRIPT, "build_wheelhouse")

TARGET = ["--python", "3.11", "--glibc", "2.36", "--arch", "x86_64"]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SECRET = "s3cret-token"

# A build backend that packs the project's `app` folder, at the version in
# VERSION, and notes each build in $BUILD_LOG. Like setuptools, it also packs
# what an earlier build left in build/lib.
BACKEND = """
import os, pathlib, zipfile

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = pathlib.Path("VERSION").read_text().strip()
    with open(os.environ["BUILD_LOG"], "a") as log:
        log.write(version + "\\n")
    dist = f"app-{version}.dist-info"
    files = {p.as_posix(): p.read_bytes() for p in sorted(pathlib.Path("app").rglob("*.py"))}
    for p in sorted(pathlib.Path("build/lib").rglob("*.py")):
        files.setdefault(p.relative_to("build/lib").as_posix(), p.read_bytes())
    metadata = f"Metadata-Version: 2.1\\nName: app\\nVersion: {version}\\n"
    files[dist + "/METADATA"] = metadata.encode()
    files[dist + "/WHEEL"] = b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[dist + "/RECORD"] = "".join(f"{p},,\\n" for p in [*files, dist + "/RECORD"]).encode()
    name = f"app-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        for member, data in files.items():
            wheel.writestr(member, data)
    return name
"""


def make_project(path: Path) -> Path:
    (path / "pkg").mkdir(parents=True)
    (path / "pyproject.toml").write_text("[project]\nname = 'pkg'\nversion = '1'\n")
    (path / "pkg/__init__.py").write_text("x = 1\n")
    return path


def make_buildable_project(path: Path, version: str = "1.0") -> Path:
    (path / "app").mkdir(parents=True)
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        f'[project]\nname = "app"\nversion = "{version}"\n'
    )
    (path / "backend.py").write_text(BACKEND)
    (path / "VERSION").write_text(version + "\n")
    (path / "app/__init__.py").write_text("x = 1\n")
    return path


def write_wheel(directory: Path, name: str, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in [*files, f"{dist}/RECORD"])
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, text in files.items():
            wheel.writestr(member, text)
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """pip with no index, no configuration of this machine and a cache of its own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GIT_"))}
    return {
        **clean,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_CACHE_DIR": str(tmp_path / "pip-cache"),
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "5",
        "GIT_TERMINAL_PROMPT": "0",
        "BUILD_LOG": str(tmp_path / "builds.log"),
    }


def run(
    env: dict[str, str], cache: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *TARGET, "--cache", str(cache), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def build(env: dict[str, str], cache: Path, *args: str) -> dict[str, Any]:
    result = run(env, cache, *args)
    assert result.returncode == 0, result.stderr
    built: dict[str, Any] = json.loads(result.stdout)
    return built


def wheels_in(result: dict[str, Any]) -> list[str]:
    with tarfile.open(result["archive"]) as tar:
        return sorted(tar.getnames())


def members_of(result: dict[str, Any], wheel: str) -> list[str]:
    with tarfile.open(result["archive"]) as tar:
        packed = tar.extractfile(wheel)
        assert packed is not None
        with zipfile.ZipFile(packed) as members:
            return sorted(members.namelist())


def builds(env: dict[str, str]) -> list[str]:
    log = Path(env["BUILD_LOG"])
    return log.read_text().split() if log.exists() else []


def test_tree_digest_follows_content_and_ignores_build_leftovers(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    first = builder.tree_digest(project)
    (project / "pkg/__pycache__").mkdir()
    (project / "pkg/__pycache__/x.pyc").write_bytes(b"junk")
    (project / "build").mkdir()
    (project / "build/lib.txt").write_text("junk")
    assert builder.tree_digest(project) == first
    (project / "pkg/__init__.py").write_text("x = 2\n")
    assert builder.tree_digest(project) != first


def test_platform_tags_for_bookworm() -> None:
    tags = builder.platforms("2.36", "x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in tags
    assert "manylinux2014_x86_64" in tags
    assert "manylinux_2_37_x86_64" not in tags
    assert tags[-1] == "linux_x86_64"


def test_source_kinds(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    assert builder.classify(str(project)).kind == "directory"
    wheel = write_wheel(tmp_path, "pkg", "1")
    assert builder.classify(str(wheel)).kind == "file"
    assert builder.classify("pkg==1").kind == "requirement"
    assert builder.classify("git+https://example.org/pkg.git@v1").kind == "vcs"
    assert builder.classify("pkg @ git+https://example.org/pkg.git@v1").kind == "vcs"


@pytest.mark.parametrize(
    "source",
    [
        "pkg==1.0",
        "pkg===1.0",
        "pkg[extra]==1.0",
        f"git+https://example.org/pkg.git@{COMMIT}",
        f"git+https://example.org/pkg.git@{COMMIT}#egg=pkg&subdirectory=src",
        f"pkg @ git+https://example.org/pkg.git@{COMMIT}",
        "pkg @ https://example.org/pkg-1.0-py3-none-any.whl#sha256=" + "0" * 64,
    ],
)
def test_pinned_sources_are_fixed(source: str) -> None:
    assert builder.classify(source).fixed


@pytest.mark.parametrize(
    "source",
    [
        "pkg",
        "pkg>=1.0",
        "pkg~=1.0",
        "pkg==1.*",
        "pkg>=1,<2",
        "pkg==1.0,!=1.0.1",
        "git+https://example.org/pkg.git",
        "git+https://example.org/pkg.git@main",
        "git+https://example.org/pkg.git@v1.0",
        "git+https://example.org/pkg.git@0123456",
        "hg+https://example.org/pkg@" + COMMIT,
        "pkg @ https://example.org/pkg-1.0-py3-none-any.whl",
    ],
)
def test_unpinned_sources_are_resolved_again(source: str) -> None:
    assert not builder.classify(source).fixed


def test_missing_path_and_directory_without_project_are_named(tmp_path: Path) -> None:
    with pytest.raises(builder.BuildError, match="does not exist"):
        builder.classify(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(builder.BuildError, match="without pyproject.toml"):
        builder.classify(str(tmp_path / "empty"))


def test_redact_hides_the_credentials_of_every_url() -> None:
    text = (
        f"git+https://me:{SECRET}@example.org/a.git 'https://{SECRET}@example.org/simple' "
        "mail me@example.org"
    )
    assert builder.redact(text) == (
        "git+https://***@example.org/a.git 'https://***@example.org/simple' mail me@example.org"
    )


def test_the_target_installs_direct_links_by_name() -> None:
    item = builder.classify(
        f"pkg[b,a] @ https://me:{SECRET}@example.org/pkg-1-py3-none-any.whl ; os_name == 'posix'"
    )
    assert builder.target_requirement(item) == 'pkg[a,b]; os_name == "posix"'
    assert builder.target_requirement(builder.classify("pkg>=1.0")) == "pkg>=1.0"


def test_a_range_picks_up_a_newer_version(tmp_path: Path, env: dict[str, str]) -> None:
    links = tmp_path / "links"
    write_wheel(links, "pkg", "1.0")
    args = ("--source", "pkg>=1.0", "--find-links", str(links))
    first = build(env, tmp_path / "cache", *args)
    assert wheels_in(first) == ["pkg-1.0-py3-none-any.whl"]
    assert first["requirements"] == ["pkg>=1.0"]

    write_wheel(links, "pkg", "1.1")
    second = build(env, tmp_path / "cache", *args)
    assert wheels_in(second) == ["pkg-1.1-py3-none-any.whl"]
    assert second["digest"] != first["digest"]
    # Resolved again, to the same wheels: the same wheelhouse.
    third = build(env, tmp_path / "cache", *args)
    assert (third["digest"], third["archive"]) == (second["digest"], second["archive"])


def test_a_pin_is_served_from_the_cache(tmp_path: Path, env: dict[str, str]) -> None:
    links = tmp_path / "links"
    write_wheel(links, "pkg", "1.0")
    args = ("--source", "pkg==1.0", "--find-links", str(links))
    first = build(env, tmp_path / "cache", *args)
    assert wheels_in(first) == ["pkg-1.0-py3-none-any.whl"]
    assert first["cached"] is False
    # Without the packages pip would fail: only the cache can answer.
    for wheel in links.iterdir():
        wheel.unlink()
    second = build(env, tmp_path / "cache", *args)
    assert second == {**first, "cached": True}


def test_a_pin_whose_dependency_is_a_range_is_resolved_again(
    tmp_path: Path, env: dict[str, str]
) -> None:
    links = tmp_path / "links"
    write_wheel(links, "pkg", "1.0")
    write_wheel(links, "dep", "1.0")
    args = ("--source", "pkg==1.0", "--with", "dep>=1", "--find-links", str(links))
    assert build(env, tmp_path / "cache", *args)["cached"] is False
    write_wheel(links, "dep", "2.0")
    again = build(env, tmp_path / "cache", *args)
    assert again["cached"] is False
    assert wheels_in(again) == ["dep-2.0-py3-none-any.whl", "pkg-1.0-py3-none-any.whl"]


def test_a_project_directory_is_built_once_per_content(tmp_path: Path, env: dict[str, str]) -> None:
    project = make_buildable_project(tmp_path / "project")
    # A module that the project no longer has, in an earlier build's leftovers.
    (project / "build/lib/app").mkdir(parents=True)
    (project / "build/lib/app/removed.py").write_text("x = 0\n")
    first = build(env, tmp_path / "cache", "--source", str(project))
    assert wheels_in(first) == ["app-1.0-py3-none-any.whl"]
    assert "app/removed.py" not in members_of(first, "app-1.0-py3-none-any.whl")
    assert "app/__init__.py" in members_of(first, "app-1.0-py3-none-any.whl")
    assert first["requirements"] == ["app"]
    assert build(env, tmp_path / "cache", "--source", str(project)) == {**first, "cached": True}
    assert builds(env) == ["1.0"]

    (project / "app/__init__.py").write_text("x = 2\n")
    changed = build(env, tmp_path / "cache", "--source", str(project))
    assert builds(env) == ["1.0", "1.0"]
    assert changed["digest"] != first["digest"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_a_git_branch_is_resolved_again_and_a_commit_is_cached(
    tmp_path: Path, env: dict[str, str]
) -> None:
    repo = make_buildable_project(tmp_path / "repo")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "1.0")
    branch = f"git+file://{repo}@main"
    assert wheels_in(build(env, tmp_path / "cache", "--source", branch)) == [
        "app-1.0-py3-none-any.whl"
    ]

    (repo / "VERSION").write_text("1.1\n")
    git(repo, "commit", "--quiet", "-am", "1.1")
    newer = build(env, tmp_path / "cache", "--source", branch)
    assert wheels_in(newer) == ["app-1.1-py3-none-any.whl"]
    assert newer["requirements"] == ["app"]

    commit = f"git+file://{repo}@{git(repo, 'rev-parse', 'HEAD')}"
    pinned = build(env, tmp_path / "cache", "--source", commit)
    # The same code as the branch's build: the same wheelhouse.
    assert pinned["digest"] == newer["digest"]
    assert build(env, tmp_path / "cache", "--source", commit) == {**pinned, "cached": True}
    assert builds(env) == ["1.0", "1.1", "1.1"]


@pytest.mark.parametrize(
    "args",
    [
        # pip cannot reach the find-links server.
        ["--source", "pkg==1.0", "--find-links", f"https://me:{SECRET}@127.0.0.1:9/simple"],
        # git cannot clone.
        ["--source", f"git+https://me:{SECRET}@127.0.0.1:9/app.git@main"],
        # Not a requirement at all.
        ["--source", f"https://me:{SECRET}@127.0.0.1:9/app.whl"],
    ],
    ids=["find-links", "git", "not-a-requirement"],
)
def test_a_failure_prints_no_credentials(
    tmp_path: Path, env: dict[str, str], args: list[str]
) -> None:
    result = run(env, tmp_path / "cache", *args)
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("build-wheelhouse: error: "), result.stderr


def test_stdin_carries_the_inputs(tmp_path: Path, env: dict[str, str]) -> None:
    links = tmp_path / "links"
    write_wheel(links, "pkg", "1.0")
    write_wheel(links, "dep", "1.0")
    given = {"source": "pkg==1.0", "with": ["dep==1.0"], "find_links": [str(links)]}
    result = run(env, tmp_path / "cache", "--stdin", stdin=json.dumps(given))
    assert result.returncode == 0, result.stderr
    built = json.loads(result.stdout)
    assert built["requirements"] == ["pkg==1.0", "dep==1.0"]
    assert wheels_in(built) == ["dep-1.0-py3-none-any.whl", "pkg-1.0-py3-none-any.whl"]

    given = {"source": f"git+https://me:{SECRET}@127.0.0.1:9/app.git@main"}
    result = run(env, tmp_path / "cache", "--stdin", stdin=json.dumps(given))
    assert result.returncode == 1
    assert SECRET not in result.stdout + result.stderr
    assert "https://***@127.0.0.1:9/app.git" in result.stderr


def test_bad_input_is_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    result = run(env, tmp_path / "cache", "--stdin", stdin="not json")
    assert result.returncode == 1
    assert result.stderr.startswith("build-wheelhouse: error: stdin is not a JSON object")
    assert len(result.stderr.strip().splitlines()) == 1
