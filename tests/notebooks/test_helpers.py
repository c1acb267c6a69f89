"""The notebooks' helpers: history selection, tables, the smoke requirement."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import orjson
import pytest

from perfkit.analysis import compare_runs, stored_run_data, trends
from perfkit.analysis.changepoints import detect_change_points
from perfkit.analysis.indexed import full_run, history_data
from perfkit.reports import tables, too_few_runs
from perfkit.reports.notebook import ParameterError
from perfkit.reports.recording import SmokeFailed, require_smoke_pass
from perfkit.reports.selection import (
    history_folders,
    open_history,
    pick,
    select_pair,
    select_pair_if_any,
    split_names,
)
from perfkit.runs.model import Criterion, SmokeVerdict

RECORDED = Path(__file__).resolve().parents[1] / "analysis" / "data"


def test_history_defaults_to_the_sample_history_and_the_users_runs(tmp_path: Path) -> None:
    assert history_folders("", "out") == [Path("data/history"), Path("out/performance")]
    assert history_folders(f" {tmp_path} , ", "r") == [tmp_path]
    with pytest.raises(ParameterError, match=r"'history'.*is not a folder"):
        history_folders(str(tmp_path / "missing"), "r")
    with pytest.raises(ParameterError, match="no runs found"):
        open_history([tmp_path])


def _copy(runs: Path, to: Path, **changes: object) -> Path:
    """A copy of the history with ``changes`` written into its newest run."""
    shutil.copytree(runs, to)
    newest = sorted(to.glob("baseline-2*.json"))[-1]
    data = orjson.loads(newest.read_bytes())
    for key, value in changes.items():
        data[key] = value
    newest.write_bytes(orjson.dumps(data))
    return to


def test_previous_is_the_latest_comparable_run_before_the_candidate(tmp_path: Path) -> None:
    catalog = open_history([RECORDED])
    runs = catalog.baselines()
    assert [e.started_at for e in runs] == sorted(e.started_at for e in runs)
    pair = select_pair(catalog, "previous", "latest")
    assert pair.candidate == runs[-1] and pair.base == runs[-2] and not pair.warnings
    pair = select_pair(catalog, runs[0].file, runs[1].run_id)
    assert (pair.base, pair.candidate) == (runs[0], runs[1])
    backwards = select_pair(catalog, "latest", runs[0].run_id)
    assert "newer than the candidate" in backwards.warnings[0]
    with pytest.raises(ParameterError, match=r"no baseline run of target .* before"):
        select_pair(catalog, "previous", runs[0].run_id)
    other = open_history([_copy(RECORDED, tmp_path / "other", target="x")])
    with pytest.raises(ParameterError, match="no baseline run of target 'x'"):
        select_pair(other, "previous", "latest")
    load = dict(orjson.loads(runs[-1].path.read_bytes())["load"], concurrency=99)
    moved = open_history([_copy(RECORDED, tmp_path / "load", load=load)])
    assert select_pair(moved, "previous", "latest").base.run_id == runs[-2].run_id
    with pytest.raises(ParameterError, match="parameter 'run': no run 'nope'"):
        pick(catalog, "nope", "run")


def test_the_first_run_of_its_kind_has_no_previous_to_compare_with(tmp_path: Path) -> None:
    """A project's first `perfkit report` leaves one run: notebooks 02 and 04 then say what a
    second would show; a base or candidate that names nothing is still refused."""
    catalog = open_history([RECORDED])
    runs = catalog.baselines()
    assert select_pair_if_any(catalog, "previous", runs[0].run_id) is None
    assert select_pair_if_any(catalog, "previous", "latest") == select_pair(
        catalog, "previous", "latest"
    )
    with pytest.raises(ParameterError, match="parameter 'base': no run 'nope'"):
        select_pair_if_any(catalog, "nope", "latest")
    with pytest.raises(ParameterError, match="parameter 'candidate': no run 'nope'"):
        select_pair_if_any(catalog, "previous", "nope")
    said = too_few_runs.no_comparison(runs[0])
    assert said.verdict == "No comparison yet: one run" and "perfkit baseline" in said.detail
    assert runs[0].run_id in too_few_runs.no_base(runs[0])


def test_a_trend_needs_four_runs() -> None:
    """The fewest runs a step can be found in (two each side), by the detector's own rule;
    fewer, and notebook 03 says so instead of calling the levels stable."""
    step = dict(max_pvalue=0.001, min_magnitude=0.10)  # what `trends` asks for
    assert too_few_runs.MIN_TREND_RUNS == 4
    assert len(detect_change_points([100.0, 101.0, 200.0, 201.0], **step)) == 1
    assert detect_change_points([100.0, 200.0, 201.0], **step) == []
    catalog = open_history([RECORDED])  # three runs
    found = trends(history_data(catalog, catalog.baselines()))
    headline = too_few_runs.trends(found)
    assert headline is not None and headline.figures[0] == ("runs", "3 of 4")
    sample = open_history([Path(__file__).resolve().parents[2] / "data" / "history"])
    assert too_few_runs.trends(trends(history_data(sample, sample.baselines()))) is None


def test_tables_of_a_run_and_a_comparison() -> None:
    runs = [full_run(e) for e in open_history([RECORDED]).baselines()]
    run = runs[-1].run
    frame = tables.run_table(run)
    assert list(frame.index) == [e.name for e in run.endpoints] + ["overall"]
    assert frame.loc["overall", "requests"] == run.overall.count
    comparison = compare_runs(stored_run_data(runs[0]), stored_run_data(runs[-1]), force=True)
    verdicts = tables.comparison_table(comparison)
    assert len(verdicts) == 6 * (1 + len(comparison.endpoints))
    summary = tables.verdict_summary(comparison)
    assert summary.loc["overall", "verdict"] == comparison.overall.verdict
    assert tables.most_changed_endpoint(comparison) in {e.endpoint for e in comparison.endpoints}


def test_require_smoke_pass_names_the_failed_criteria() -> None:
    run = full_run(open_history([RECORDED]).baselines()[0]).run
    require_smoke_pass(dataclasses.replace(run, smoke=None))
    failed = SmokeVerdict(False, [Criterion("chat p95 latency", 2500.0, 2000.0, "ms", False, "")])
    with pytest.raises(SmokeFailed, match="chat p95 latency 2500 ms > 2000"):
        require_smoke_pass(dataclasses.replace(run, smoke=failed))


def test_split_names_refuses_an_empty_list() -> None:
    assert split_names("a, b", "metrics") == ["a", "b"]
    with pytest.raises(ParameterError, match="'metrics' names nothing"):
        split_names(" , ", "metrics")
