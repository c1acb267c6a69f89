"""Artifacts written from a real run, read back through the history store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfkit.errors import InputError
from perfkit.loadgen.baseline import RunPlan, execute
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import parse_scenario
from perfkit.runs.artifacts import write_run
from perfkit.runs.history import History
from perfkit.serving import serve_app
from tests.loadgen.apps import status_app
from tests.runs.factory import make_run

SCENARIO = parse_scenario(
    {"name": "pair", "endpoints": [{"name": "ok", "path": "/ok", "category": "health"},
                                   {"name": "boom", "path": "/boom"}]},
    "test",
)  # fmt: skip


def test_a_real_run_round_trips_through_the_history(tmp_path: Path) -> None:
    with serve_app(status_app()) as url:
        plan = RunPlan(SCENARIO, LoadConfig(requests=40, duration_s=None, warmup_s=0.0))
        run, samples = execute(RunPlan(**{**plan.__dict__, "target_url": url + "/"}))
    written = write_run(run, tmp_path, samples)
    assert written.json.name.startswith("baseline-") and written.json.suffix == ".json"
    assert written.summary.name.startswith("baseline-summary-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [written.json.name, written.summary.name, written.samples.name if written.samples else ""]
    )
    stored = History(tmp_path).latest()
    assert stored is not None and stored.run == written.run
    assert stored.run.target == url and stored.run.overall.count == 40
    assert stored.run.server_before == {"served_ok": 0}  # the target exposes /api/performance
    assert stored.run.server_after == {"served_ok": 20}
    assert stored.run.smoke is not None and not stored.run.smoke.passed  # /boom: 100 % 5xx
    assert stored.run.environment.git_commit is not None
    table = History(tmp_path).samples(stored)
    assert table.num_rows == 40
    assert sorted(set(table.column("endpoint").to_pylist())) == ["boom", "ok"]
    summary = written.summary.read_text()
    assert "| GET /boom (boom) | 20 |" in summary and "Smoke test: FAIL" in summary


def test_filters_latest_and_previous(tmp_path: Path) -> None:
    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    for i, (target, scenario) in enumerate([("a", "s1"), ("b", "s1"), ("a", "s2"), ("a", "s1")]):
        write_run(make_run(target=target, scenario=scenario, started=t0 + timedelta(hours=i)),
                  tmp_path)  # fmt: skip
    history = History(tmp_path)
    assert len(history.runs()) == 4
    picked = history.runs(target="a", scenario="s1")
    assert [s.run.started_at.hour for s in picked] == [0, 3]
    latest, previous = history.latest(target="a"), history.previous(target="a")
    assert latest is not None and latest.run.started_at.hour == 3
    assert previous is not None and previous.run.started_at.hour == 2
    assert history.previous(target="b") is None
    assert history.load(picked[0].run.run_id) == picked[0]
    with pytest.raises(InputError, match="no run 'nope'"):
        history.load("nope")


def test_a_corrupt_or_foreign_file_is_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_run(make_run(), tmp_path)
    (tmp_path / "baseline-2025-01-02T00-00-00Z.json").write_text('{"schema_version": 1, "kind')
    (tmp_path / "package.json").write_text('{"name": "not-a-run"}')
    with caplog.at_level(logging.WARNING, logger="perfkit.runs.history"):
        history = History(tmp_path)
        assert len(history.runs()) == 1
    skipped = {path.name: reason for path, reason in history.skipped}
    assert set(skipped) == {"baseline-2025-01-02T00-00-00Z.json", "package.json"}
    assert "not valid JSON" in skipped["baseline-2025-01-02T00-00-00Z.json"]
    assert "missing field 'schema_version'" in skipped["package.json"]
    assert "package.json" in caplog.text


def test_two_runs_in_the_same_second_do_not_overwrite(tmp_path: Path) -> None:
    first = write_run(make_run(), tmp_path)
    second = write_run(make_run(), tmp_path)
    assert first.json != second.json
    assert len(History(tmp_path).runs()) == 2
