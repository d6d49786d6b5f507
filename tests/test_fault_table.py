"""The table of faults in docs/faults.md is what tools/fault-table makes of the suite's results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools/fault-table"
fault_table = load_script(SCRIPT, "fault_table")


def fault(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "kill -9 of a worker",
        "sent": 1200,
        "failed": 0,
        "statuses": {"200": 1200},
        "errors": 0,
        "row_kept": True,
        "release_before": "a1",
        "release_after": "a1",
        "release_expected": "a1",
        "survived": True,
        "outcome": "The worker was replaced.",
    }
    return {**base, **changes}


def results(*faults: dict[str, Any]) -> dict[str, Any]:
    return {"host": "a lab container", "date": "2026-11-28", "faults": list(faults)}


def rows(table: str) -> list[list[str]]:
    """The body of the Markdown table, one list of cells per row."""
    lines = [line for line in table.splitlines() if line.startswith("| ")][1:]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]


def test_the_docs_table_is_what_the_committed_results_render():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_survived_fault_reads_as_such():
    [row] = rows(fault_table.table(results(fault())))
    assert row == [
        "kill -9 of a worker",
        "0 of 1,200",
        "kept",
        "the live one",
        "yes",
        "The worker was replaced.",
    ]


def test_failed_requests_are_counted_with_what_they_got():
    failing = fault(sent=5000, failed=42, statuses={"200": 4958, "502": 30}, errors=12)
    [row] = rows(fault_table.table(results(failing)))
    assert row[1] == "42 of 5,000 (502: 30, errors: 12)"


def test_a_fault_not_survived_is_marked_and_the_loss_named():
    lost = fault(row_kept=False, release_after="b2", release_expected="c3", survived=False)
    [row] = rows(fault_table.table(results(lost)))
    assert row[2:5] == ["**lost**", "**b2**, not c3", "**no**"]


@pytest.mark.parametrize(
    ("before", "after", "expected", "shown"),
    [
        ("a1", "b2", "b2", "the new one, as intended"),
        ("a1", "a1", "b2", "**the old one**, not the new one"),
        ("a1", "", "a1", "**none answered**"),
    ],
)
def test_the_release_in_service_is_judged_against_the_intended_one(before, after, expected, shown):
    changed = fault(release_before=before, release_after=after, release_expected=expected)
    assert rows(fault_table.table(results(changed)))[0][3] == shown


def test_a_pipe_in_a_cell_does_not_break_the_table():
    [row] = rows(fault_table.table(results(fault(outcome="grep a | tail"))))
    assert row[-1] == "grep a \\| tail"


def test_no_load_is_no_result():
    assert rows(fault_table.table(results(fault(sent=0))))[0][1] == "0 of 0 (no load)"


def test_results_without_faults_are_refused():
    with pytest.raises(fault_table.ResultsError):
        fault_table.table(results())
    with pytest.raises(fault_table.ResultsError):
        fault_table.table({"faults": [fault()]})


def test_check_fails_on_a_stale_doc_and_a_rewrite_fixes_it(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results(fault())))
    doc = tmp_path / "faults.md"
    doc.write_text(f"# Title\n\n{fault_table.BEGIN}\nold table\n{fault_table.END}\n\nAfter.\n")
    args = ["--results", str(path), "--doc", str(doc)]
    assert fault_table.main([*args, "--check"]) == 1
    assert fault_table.main(args) == 0
    assert fault_table.main([*args, "--check"]) == 0
    text = doc.read_text()
    assert text.startswith("# Title\n\n") and text.endswith("\n\nAfter.\n")
    assert "| kill -9 of a worker | 0 of 1,200 |" in text

    # New figures make the document stale again.
    path.write_text(json.dumps(results(fault(failed=3))))
    assert fault_table.main([*args, "--check"]) == 1


def test_a_doc_without_markers_is_refused(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results(fault())))
    doc = tmp_path / "faults.md"
    doc.write_text("# Title\n")
    assert fault_table.main(["--results", str(path), "--doc", str(doc)]) == 2
    assert doc.read_text() == "# Title\n"
