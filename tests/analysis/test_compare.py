from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from perfkit.analysis.adapt import load_run_data, stored_run_data
from perfkit.analysis.compare import CompareOptions, compare_endpoint, compare_runs
from perfkit.analysis.data import endpoint_from_samples
from perfkit.errors import InputError
from perfkit.runs.history import History

from .conftest import MakeRun

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def recorded() -> list[Path]:
    """base-1, base-2 (the same app) and slow (+30 ms on /items), oldest first."""
    return [s.path for s in History(DATA).runs()]


def test_recorded_slowdown_is_a_regression(recorded: list[Path]) -> None:
    base, slow = load_run_data(recorded[0]), load_run_data(recorded[2])
    result = compare_runs(base, slow)
    assert result.regressed
    items = next(e for e in result.endpoints if e.endpoint == "items")
    assert items.source == "samples"
    for metric in ("p50", "p95", "mean", "throughput"):
        assert items.metrics[metric].verdict == "regressed", metric
    assert items.metrics["p50"].evidence.method == "mann-whitney-u"
    assert items.metrics["p50"].change is not None and items.metrics["p50"].change > 1.0


def test_recorded_identical_runs_are_not_a_regression(recorded: list[Path]) -> None:
    a, b = load_run_data(recorded[0]), load_run_data(recorded[1])
    for base, cand in ((a, b), (b, a)):
        result = compare_runs(base, cand)
        assert not result.regressed, result.regressions()


def test_recorded_run_without_samples_falls_back_to_histograms(
    recorded: list[Path], tmp_path: Path
) -> None:
    stored = History(DATA).runs()
    base = stored_run_data(stored[0], with_samples=False)
    slow = stored_run_data(stored[2])
    result = compare_runs(base, slow)
    assert result.regressed
    assert result.overall.source == "histogram"
    assert any("no per-request samples" in note for note in result.notes)
    p50 = result.overall.metrics["p50"]
    assert p50.evidence.method == "99% order-statistic intervals"


def test_different_targets_are_refused_unless_forced(make_run: MakeRun) -> None:
    a = make_run("a", seed=1)
    b = make_run("b", seed=2, target="http://other")
    with pytest.raises(InputError, match="different targets"):
        compare_runs(a, b)
    c = make_run("c", seed=3, scenario="other")
    with pytest.raises(InputError, match="different scenarios"):
        compare_runs(a, c)
    assert not compare_runs(a, b, force=True).regressed


def test_a_synthetic_slowdown_regresses_and_noise_does_not(make_run: MakeRun) -> None:
    base = make_run("base", seed=1)
    same = make_run("same", seed=2)
    slow = make_run("slow", seed=3, slow_ms=13.0)  # +30 % on /slow only
    assert not compare_runs(base, same).regressed
    result = compare_runs(base, slow)
    verdicts = {e.endpoint: e.verdict for e in result.endpoints}
    assert verdicts == {"GET /fast": "unchanged", "GET /slow": "regressed"}


def test_a_significant_change_below_the_threshold_is_unchanged(make_run: MakeRun) -> None:
    base = make_run("base", seed=1, n=20000)
    cand = make_run("cand", seed=2, n=20000, median_ms=10.5)  # +5 %, clearly significant
    p50 = compare_runs(base, cand).overall.metrics["p50"]
    assert p50.evidence.significant
    assert (p50.verdict, p50.reason) == ("unchanged", "below threshold")
    p50_low_gate = compare_runs(base, cand, CompareOptions(threshold=0.03)).overall
    assert p50_low_gate.metrics["p50"].verdict == "regressed"


def test_a_tail_only_regression_is_caught_at_p99() -> None:
    rng = np.random.default_rng(9)
    bulk = rng.lognormal(np.log(10.0), 0.1, 5000)
    tail = bulk.copy()
    tail[rng.choice(5000, 150, replace=False)] *= 5  # 3 % of requests got 5x slower
    result = compare_endpoint(
        endpoint_from_samples("x", bulk, duration_s=10.0),
        endpoint_from_samples("x", tail, duration_s=10.0),
    )
    assert result.metrics["p99"].verdict == "regressed"
    assert result.metrics["p50"].verdict == "unchanged"


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
