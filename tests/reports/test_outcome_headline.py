"""The headline block of the reports and the dashboard's last comparison state the outcome,
on real recorded runs: a candidate measured on another testbed asks for a re-run and blames
no route; a history gate with too few runs is no verdict."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from perfkit.analysis import gate_run, stored_run_data
from perfkit.analysis.indexed import compare_entries, full_run
from perfkit.reports import headline
from perfkit.reports.dashboard import gather
from perfkit.reports.dashboard_page import render
from perfkit.reports.selection import open_history, select_pair
from tests.analysis.recorded import copy_recorded

RECORDED = Path(__file__).resolve().parents[2] / "data" / "history"
NOW = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)


def test_the_dashboard_asks_for_a_rerun_when_the_candidate_ran_on_another_testbed(
    tmp_path: Path,
) -> None:
    copy_recorded(tmp_path / "same")
    copy_recorded(tmp_path / "elsewhere", newest_testbed="ci-2")

    same = gather(tmp_path / "reports", [tmp_path / "same"]).comparison
    elsewhere = gather(tmp_path / "reports", [tmp_path / "elsewhere"]).comparison

    assert same is not None and same.verdict == "REGRESSED"  # /items +30 ms, one testbed
    assert elsewhere is not None
    assert (elsewhere.verdict, elsewhere.status) == ("Environment changed: re-run", "warning")
    assert "not judged on the code: measured on different testbeds: vm vs ci-2" in elsewhere.detail
    metrics = [m for m in elsewhere.moved if not m.startswith("and ")]
    assert metrics and all(m.endswith("(moved with the machine)") for m in metrics)
    assert not any("regressed" in m for m in elsewhere.moved)
    assert elsewhere.figures == same.figures  # the same measured changes, not blamed
    page = render(gather(tmp_path / "reports", [tmp_path / "elsewhere"]), [], [], [], NOW)
    assert 'data-status="warning"' in page and "Environment changed: re-run" in page
    assert "REGRESSED" not in page


def test_a_gate_with_too_few_runs_is_not_enough_history(tmp_path: Path) -> None:
    copy_recorded(tmp_path / "history")
    catalog = open_history([tmp_path / "history"])
    runs = [stored_run_data(full_run(e)) for e in catalog.entries]

    block = headline.comparison(gate_run(runs[-1], runs[:-1]))

    assert (block.verdict, block.status) == ("Not enough history: no verdict", "neutral")
    assert "2 of 10 comparable earlier runs" in block.detail
    assert not block.moved


def test_the_comparison_block_says_how_many_runs_gave_the_noise(tmp_path: Path) -> None:
    shutil.copytree(RECORDED, tmp_path / "history")  # 16 runs of the reference service
    catalog = open_history([tmp_path / "history"])
    pair = select_pair(catalog, "previous", "latest")
    result = compare_entries(catalog, pair.base, pair.candidate)

    block = headline.comparison(result)

    assert result.history_runs >= 10 and result.outcome == "unchanged"
    assert block.verdict == "Unchanged: no regression"
    assert f"evidence: history of {result.history_runs} runs" in block.detail
