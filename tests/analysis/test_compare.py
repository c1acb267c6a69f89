"""`compare_runs` on real recorded runs (single runs: the weak verdict) and on samples."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from perfkit.analysis.adapt import load_run_data, stored_run_data
from perfkit.analysis.compare import compare_runs
from perfkit.errors import InputError
from perfkit.runs.history import History

from .conftest import MakeRun

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def recorded() -> list[Path]:
    """base-1, base-2 (the same app) and slow (+30 ms on /items), oldest first."""
    return [s.path for s in History(DATA).runs()]


def test_recorded_slowdown_is_caught_even_by_a_weak_verdict(recorded: list[Path]) -> None:
    base, slow = load_run_data(recorded[0]), load_run_data(recorded[2])
    result = compare_runs(base, slow)
    assert result.regressed and result.weak
    items = next(e for e in result.endpoints if e.endpoint == "items")
    for metric in ("p50", "mean", "throughput"):
        assert items.metrics[metric].verdict == "regressed", metric
    p50 = items.metrics["p50"]
    assert p50.change is not None and p50.change > 1.0
    assert p50.test.noise is not None and p50.test.noise.source == "prior"
    health = next(e for e in result.endpoints if e.endpoint == "health")
    # closed model: users busy on /items send fewer health checks, which are no slower
    assert {m.metric for m in health.metrics.values() if m.verdict != "unchanged"} <= {"throughput"}
    assert any("smallest change it could detect" in n for n in result.notes)


def test_recorded_identical_runs_are_not_a_regression(recorded: list[Path]) -> None:
    a, b = load_run_data(recorded[0]), load_run_data(recorded[1])
    for base, cand in ((a, b), (b, a)):
        result = compare_runs(base, cand)
        assert result.verdict == "unchanged", result.regressions()


def test_a_run_without_samples_is_judged_on_its_recorded_figures(recorded: list[Path]) -> None:
    stored = History(DATA).runs()
    base = stored_run_data(stored[0], with_samples=False)
    slow = stored_run_data(stored[2])
    result = compare_runs(base, slow)
    assert result.regressed
    assert ("items", "p50") in {(e, m.metric) for e, m in result.regressions()}


def test_different_targets_are_refused_with_how_to_label_them(make_run: MakeRun) -> None:
    a = make_run("a", seed=1)
    b = make_run("b", seed=2, target="http://127.0.0.1:41234")
    with pytest.raises(InputError, match=r"different targets.*--target-label"):
        compare_runs(a, b)
    c = make_run("c", seed=3, scenario="other")
    with pytest.raises(InputError, match="different scenarios"):
        compare_runs(a, c)
    assert not compare_runs(a, b, force=True).regressed


def test_more_errors_are_a_regression_fewer_an_improvement(make_run: MakeRun) -> None:
    clean = make_run("clean", seed=1)
    failing = make_run("failing", seed=1, errors=200)
    assert compare_runs(clean, failing).overall.metrics["error_rate"].verdict == "regressed"
    assert compare_runs(failing, clean).overall.metrics["error_rate"].verdict == "improved"


def test_endpoints_in_one_run_only_are_noted(make_run: MakeRun) -> None:
    a = make_run("a", seed=1)
    b = make_run("b", seed=2)
    b = dataclasses.replace(b, endpoints={"GET /fast": b.endpoints["GET /fast"]})
    result = compare_runs(a, b)
    assert [e.endpoint for e in result.endpoints] == ["GET /fast"]
    assert any("only in the base run" in n for n in result.notes)
    assert result.to_dict()["regressed"] is False
