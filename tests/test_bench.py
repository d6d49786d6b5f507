"""bench.py's arithmetic: the table of docs/measurements.md must follow from what was measured."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
bench = load_script(ROOT / "bench/bench.py", "bench")


def setup(name: str, workers: int, rps: list[float]) -> dict[str, Any]:
    return {"name": name, "workers": workers, "rps": bench.spread(rps)}


def test_memory_takes_the_workers_median_and_sums_the_front() -> None:
    processes = [
        "app 30000 python uvicorn server.app:app --fd 3 --workers 2",
        "app 10000 python -c from multiprocessing.resource_tracker import main",
        "app 40960 python -c from multiprocessing.spawn import spawn_main",
        "app 61440 python -c from multiprocessing.spawn import spawn_main",
        "front 10240 nginx: master process",
        "front 20480 nginx: worker process",
    ]
    assert bench.memory(processes) == {"worker": 50.0, "front": 30.0}


def test_memory_of_a_single_worker_is_its_main_process() -> None:
    assert bench.memory(["app 20480 python uvicorn server.app:app --workers 1"]) == {"worker": 20.0}


def test_ratios_compare_each_front_with_uvicorn_alone_with_the_same_workers() -> None:
    results = {
        "serving": [
            setup("uvicorn alone, 1 worker", 1, [1000, 1100, 900]),
            setup("uvicorn alone, 2 workers", 2, [1500, 1600, 1400]),
            setup("HTTPS through Caddy", 2, [450, 500, 400]),
        ]
    }
    assert bench.ratios(results) == {
        "HTTPS through Caddy": 0.3,
        "replication efficiency rps(2) / (2 x rps(1))": 0.75,
    }


def test_range_text_gives_the_median_and_the_extremes() -> None:
    assert bench.range_text(bench.spread([3, 1, 2])) == "2 (1–3)"
    assert bench.range_text(bench.spread([0, 0, 0])) == "0"


def test_each_event_is_compared_with_the_same_server_under_load_alone() -> None:
    def case(url: str, longest: list[float], took: list[float]) -> dict[str, Any]:
        return {"url": url, "max_ms": bench.spread(longest), "event_s": bench.spread(took)}

    disrupted = {
        "toolkit, no event": case("https://a/", [20, 30, 25], [0, 0, 0]),
        "toolkit: deploy": case("https://a/", [100, 400, 200], [9, 10, 11]),
        "usual, no event": case("http://b/", [5, 5, 5], [0, 0, 0]),
        "usual: restart": case("http://b/", [1500, 1500, 1500], [1, 1, 1]),
    }
    assert bench.longer_than_quiet(disrupted) == {"toolkit: deploy": 175, "usual: restart": 1495}


def test_task_profile_counts_only_tasks_that_ran_on_the_host_as_round_trips() -> None:
    def task(action: str, seconds: float, **flags: bool) -> dict[str, Any]:
        return {"name": action, "action": action, "seconds": seconds, "delegated": False} | flags

    tasks = [
        task("ansible.builtin.template", 0.5),
        task("ansible.builtin.command", 0.4),
        task("ansible.builtin.command", 0.01, skipped=True),
        task("ansible.builtin.set_fact", 0.02),
        task("assert", 0.01),
        task("ansible.builtin.command", 1.5, delegated=True),
    ]
    assert bench.task_profile(tasks) == {
        "tasks": 6,
        "skipped": 1,
        "on_host": 2,
        "on_host_s": 0.9,
        "rest_s": 1.5,
        "longest": [
            {"name": "ansible.builtin.command", "seconds": 1.5},
            {"name": "ansible.builtin.template", "seconds": 0.5},
            {"name": "ansible.builtin.command", "seconds": 0.4},
            {"name": "ansible.builtin.set_fact", "seconds": 0.02},
            {"name": "assert", "seconds": 0.01},
        ],
    }


def test_the_report_in_the_docs_is_what_the_newest_results_render() -> None:
    newest = max(bench.RESULTS.glob("[0-9]*.json"))
    text = bench.REPORT.read_text()
    match = re.search(re.escape(bench.BEGIN) + "\n(.*?)" + re.escape(bench.END), text, re.DOTALL)
    assert match, f"{bench.REPORT} lacks the markers"
    assert match.group(1) == bench.markdown(
        json.loads(newest.read_text()), images="../bench/results"
    )
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", match.group(1)):
        assert (bench.REPORT.parent / image).is_file(), image


def test_a_report_without_markers_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "measurements.md"
    doc.write_text("# Title\n")
    with pytest.raises(SystemExit):
        bench.report({}, doc)
    assert doc.read_text() == "# Title\n"
