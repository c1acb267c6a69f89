"""The analytics report's alerts, recommendations and headline follow the comparison's
outcome, on real recorded runs: a regression on one testbed names its route; the same
runs with the candidate measured on another testbed ask for a re-run and blame no route;
a history gate with too few runs says so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfkit.analysis import gate_run, load_run_data
from perfkit.analysis.artifacts import render_markdown
from perfkit.analysis.data import RunData
from perfkit.analysis.inputs import inputs_from_run
from perfkit.analysis.report import analytics_from_run, build_report

from .recorded import copy_recorded

NOW = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)


def _runs(folder: Path, newest_testbed: str | None = None) -> list[RunData]:
    return [load_run_data(p) for p in copy_recorded(folder, newest_testbed=newest_testbed)]


def _rules(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["rule"]: a for a in report["sections"]["alerts"]}


def test_a_candidate_on_another_testbed_asks_for_a_rerun_and_blames_no_route(
    tmp_path: Path,
) -> None:
    *_, base, slow = _runs(tmp_path / "same")
    *_, base2, elsewhere = _runs(tmp_path / "elsewhere", newest_testbed="ci-2")

    regressed = analytics_from_run(slow, base, now=NOW, force=True)
    rerun = analytics_from_run(elsewhere, base2, now=NOW, force=True)

    blamed = {a["route"] for a in regressed["sections"]["alerts"] if a["rule"] == "regression"}
    assert "items" in blamed and "environment_changed" not in _rules(regressed)
    assert regressed["sections"]["executive_summary"]["headline"].endswith("regression detected")
    assert any(r["route"] == "items" and "regression" in r["action"]
               for r in regressed["sections"]["recommendations"])  # fmt: skip

    found = _rules(rerun)
    assert "regression" not in found
    alert = found["environment_changed"]
    assert alert["severity"] == "warning" and alert["route"] is None
    assert "re-run" in alert["message"] and "vm vs ci-2" in alert["message"]
    summary = rerun["sections"]["executive_summary"]["headline"]
    assert summary.endswith("environment changed: re-run") and "regression" not in summary
    advice = rerun["sections"]["recommendations"]
    assert not any("regression" in r["action"] for r in advice)
    assert any("re-run" in r["action"] and "perfkit ab" in r["action"] for r in advice)
    assert rerun["sections"]["comparison"]["outcome"] == "environment changed"
    markdown = render_markdown(rerun)  # the report's Markdown, and the MCP resource's
    assert "**ENVIRONMENT CHANGED: re-run (not judged on the code)" in markdown
    assert "Outcome **environment changed** (metrics: regressed;" in markdown


def test_a_gate_with_too_few_runs_is_one_line_of_information(tmp_path: Path) -> None:
    runs = _runs(tmp_path / "history")
    gate = gate_run(runs[-1], runs[:-1])
    report = build_report(inputs_from_run(runs[-1]), now=NOW, comparison=gate)

    alert = _rules(report)["not_enough_history"]
    assert (alert["severity"], alert["value"], alert["threshold"]) == ("info", 2, ">= 10 runs")
    assert "2 of 10 comparable runs" in alert["message"]
    assert report["sections"]["executive_summary"]["headline"].endswith("not enough history")
