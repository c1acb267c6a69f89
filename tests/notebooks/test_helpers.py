"""The notebooks' helpers: history selection, tables, the smoke requirement."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from perfkit.analysis import compare_runs, stored_run_data
from perfkit.reports import tables
from perfkit.reports.notebook import ParameterError
from perfkit.reports.recording import SmokeFailed, require_smoke_pass
from perfkit.reports.selection import history_folders, load_history, pick, select_pair, split_names
from perfkit.runs.model import Criterion, SmokeVerdict

RECORDED = Path(__file__).resolve().parents[1] / "analysis" / "data"


def test_history_defaults_to_the_sample_history_and_the_users_runs(tmp_path: Path) -> None:
    assert history_folders("", "out") == [Path("data/history"), Path("out/performance")]
    assert history_folders(f" {tmp_path} , ", "r") == [tmp_path]
    with pytest.raises(ParameterError, match=r"'history'.*is not a folder"):
        history_folders(str(tmp_path / "missing"), "r")
    with pytest.raises(ParameterError, match="no runs found"):
        load_history([tmp_path])


def test_previous_is_the_latest_comparable_run_before_the_candidate() -> None:
    runs = load_history([RECORDED])
    assert [s.run.started_at for s in runs] == sorted(s.run.started_at for s in runs)
    base, cand = select_pair(runs, "previous", "latest")
    assert cand is runs[-1] and base is runs[-2]
    base, cand = select_pair(runs, runs[0].path.name, runs[1].run.run_id)
    assert (base, cand) == (runs[0], runs[1])
    with pytest.raises(ParameterError, match="no earlier run of target"):
        select_pair(runs, "previous", runs[0].run.run_id)
    other = dataclasses.replace(runs[-1], run=dataclasses.replace(runs[-1].run, target="x"))
    with pytest.raises(ParameterError, match="no earlier run of target 'x'"):
        select_pair([*runs[:-1], other], "previous", "latest")
    load = dataclasses.replace(runs[0].run.load, duration_s=99.0)
    longer = dataclasses.replace(runs[0], run=dataclasses.replace(runs[0].run, load=load))
    assert select_pair([longer, *runs[1:]], "previous", "latest")[0] is runs[-2]
    shorter = dataclasses.replace(runs[-1], run=dataclasses.replace(runs[-1].run, load=load))
    assert select_pair([*runs[:-1], shorter], "previous", "latest")[0] is runs[-2]
    with pytest.raises(ParameterError, match="parameter 'run': no run 'nope'"):
        pick(runs, "nope", "run")


def test_tables_of_a_run_and_a_comparison() -> None:
    runs = load_history([RECORDED])
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
    run = load_history([RECORDED])[0].run
    require_smoke_pass(dataclasses.replace(run, smoke=None))
    failed = SmokeVerdict(False, [Criterion("chat p95 latency", 2500.0, 2000.0, "ms", False, "")])
    with pytest.raises(SmokeFailed, match="chat p95 latency 2500 ms > 2000"):
        require_smoke_pass(dataclasses.replace(run, smoke=failed))


def test_split_names_refuses_an_empty_list() -> None:
    assert split_names("a, b", "metrics") == ["a", "b"]
    with pytest.raises(ParameterError, match="'metrics' names nothing"):
        split_names(" , ", "metrics")
