"""The decision rule on seeded synthetic runs: calibrated (A/A), powerful, honest when weak.

Runs are simulated the way real ones behave: each trial (or run) has a shift shared by
every endpoint (scheduler, CPU frequency, neighbours), each endpoint its own smaller noise,
and the tails spread more than the median.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from perfkit.analysis.compare import Comparison, compare_runs, compare_to_history
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.verdict import CompareOptions, history_spread, holm
from perfkit.errors import InputError

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ENDPOINTS = {"health": 0.6, "items": 8.0, "search": 40.0, "chat": 130.0}
SPREAD = {"p50": 1.0, "mean": 1.0, "p95": 1.6, "p99": 2.5, "throughput": 1.0}


def _endpoint(name: str, values: dict[str, list[float]]) -> EndpointData:
    """An endpoint as a stored run gives it: summary figures, and trial values if several."""
    summary = {m: float(np.exp(np.mean(np.log(v)))) for m, v in values.items()}
    trials = {m: tuple(v) for m, v in values.items()} if len(values["p50"]) > 1 else {}
    count = round(summary["throughput"] * 10.0)  # 10 s measured
    return EndpointData(name, count, 0, 10.0, summary=summary, trials=trials)


def simulate(
    rng: np.random.Generator,
    run_id: str,
    *,
    trials: int,
    session: str | None,
    queue_ms: float = 1.0,
    endpoint_sd: float = 0.03,
    slow: dict[str, float] | None = None,
    heavy: bool = False,
    index: int = 0,
) -> RunData:
    """One run of ``trials`` trials; ``slow`` multiplies an endpoint's own latency.

    Each trial has a queueing delay shared by every request (CPU contention, the
    generator): a fast endpoint swings by a large ratio, a slow one hardly moves, as on a
    real shared machine. ``heavy`` draws that delay from a heavy-tailed distribution."""
    spread = rng.standard_t(2, trials) if heavy else rng.normal(0, 1, trials)
    queue = queue_ms * np.exp(0.5 * spread)
    endpoints: dict[str, EndpointData] = {}
    totals: dict[str, np.ndarray] = {}
    for name, median in ENDPOINTS.items():
        factor = (slow or {}).get(name, 1.0)
        values: dict[str, list[float]] = {}
        for metric, tail in SPREAD.items():
            own = median * factor * np.exp(rng.normal(0, endpoint_sd * tail, trials))
            if metric == "throughput":
                values[metric] = list(1000.0 / (own + queue))
            else:
                level = {"p95": 2.0, "p99": 3.0}.get(metric, 1.0)
                values[metric] = list(level * own + tail * queue)
            totals[metric] = totals.get(metric, np.zeros(trials)) + np.asarray(values[metric])
        endpoints[name] = _endpoint(name, values)
    overall = _endpoint("overall", {m: list(v) for m, v in totals.items()})
    fastest = 0.8 * min(ENDPOINTS.values())  # the run's fastest request, in ms
    return RunData(
        run_id=run_id,
        started_at=T0 + timedelta(hours=index),
        target="svc",
        scenario="default",
        load={"model": "closed", "concurrency": 8},
        endpoints=endpoints,
        overall=replace(overall, summary={**overall.summary, "min": fastest}),
        session=session,
    )


def _pair(
    seed: int,
    *,
    trials: int = 5,
    slow: dict[str, float] | None = None,
    heavy: bool = False,
    queue_ms: float = 1.0,
    endpoint_sd: float = 0.03,
) -> tuple[RunData, RunData]:
    rng = np.random.default_rng(seed)
    kw = {"trials": trials, "session": f"s{seed}", "heavy": heavy, "queue_ms": queue_ms,
          "endpoint_sd": endpoint_sd}  # fmt: skip
    return simulate(rng, f"a{seed}", **kw), simulate(rng, f"b{seed}", slow=slow, **kw)  # type: ignore[arg-type]


def _flagged(seeds: range, *, heavy: bool = False) -> int:
    return sum(compare_runs(*_pair(seed, heavy=heavy)).verdict != "unchanged" for seed in seeds)


def test_aa_interleaved_trials_rarely_flag_anything() -> None:
    assert _flagged(range(200)) <= 4  # family-wise alpha: 1 %


def test_aa_heavy_tailed_run_shifts_stay_calibrated() -> None:
    assert _flagged(range(200), heavy=True) <= 4


def test_the_family_correction_is_what_keeps_independent_noise_quiet() -> None:
    """With endpoints moving independently (little shared shift), metric-by-metric tests
    at 5 % light up most A/A pairs; Holm over the family keeps them quiet."""
    uncorrected = corrected = 0
    for seed in range(100):
        result = compare_runs(*_pair(seed, queue_ms=0.01, endpoint_sd=0.10))
        ps = [m.test.p_value for e in result.all for m in e.metrics.values()
              if m.test.p_value is not None]  # fmt: skip
        uncorrected += any(p < 0.05 for p in ps)
        corrected += result.verdict != "unchanged"
    assert uncorrected >= 50
    assert corrected <= 3  # alpha is 1 %


def test_a_20_percent_slowdown_of_one_endpoint_is_caught_and_named() -> None:
    caught = 0
    for seed in range(40):
        result = compare_runs(*_pair(seed, slow={"search": 1.2}))
        moved = {e for e, _ in result.regressions()}
        caught += "search" in moved
        assert moved <= {"search", "overall"}, moved
    assert caught >= 38


def _detectable(result: Comparison, endpoint: str, metric: str = "p50") -> float:
    found = next(e for e in result.all if e.endpoint == endpoint).metrics[metric].test.detectable
    assert found is not None
    return found


def test_few_trials_decide_nothing_rashly_and_say_how_little_they_can_tell() -> None:
    two, five = [], []
    for seed in range(30):
        pair = compare_runs(*_pair(seed, trials=2))
        assert pair.verdict == "unchanged"
        two.append(_detectable(pair, "search"))
        five.append(_detectable(compare_runs(*_pair(seed, trials=5)), "search"))
    assert np.median(two) > 1.5 * np.median(five)


def test_single_runs_without_history_are_weak_and_say_what_they_could_detect() -> None:
    rng = np.random.default_rng(5)
    base = simulate(rng, "a", trials=1, session=None)
    cand = simulate(rng, "b", trials=1, session=None, slow={"health": 1.3})
    result = compare_runs(base, cand)
    assert result.weak and result.evidence == "prior"
    assert result.verdict == "unchanged"
    assert any("smallest change it could detect" in n for n in result.notes)
    doubled = simulate(rng, "c", trials=1, session=None, slow={"chat": 3.0})
    assert ("chat", "p50") in {(e, m.metric) for e, m in compare_runs(base, doubled).regressions()}


def test_history_spread_gives_single_runs_their_noise() -> None:
    rng = np.random.default_rng(11)
    history = [simulate(rng, f"h{i}", trials=1, session=None, index=i) for i in range(20)]
    base = simulate(rng, "a", trials=1, session=None, index=30)
    same = simulate(rng, "b", trials=1, session=None, index=31)
    slow = simulate(rng, "c", trials=1, session=None, index=32, slow={"chat": 1.6})
    assert compare_runs(base, same, history=history).verdict == "unchanged"
    result = compare_runs(base, slow, history=history)
    assert result.evidence == "history"
    assert ("chat", "p50") in {(e, m.metric) for e, m in result.regressions()}


def test_no_default_floor_a_measured_sub_millisecond_move_counts_unless_floored() -> None:
    """The trials measure the harness's jitter, so no absolute floor is needed by default;
    ``--floor-ms`` still lets a team ignore moves too small to matter to them."""
    base, cand = _pair(3, slow={"health": 1.5}, queue_ms=0.05)  # 0.65 -> 0.95 ms: real, tiny
    health = next(e for e in compare_runs(base, cand).endpoints if e.endpoint == "health")
    assert health.metrics["p50"].verdict == "regressed"
    floored = compare_runs(base, cand, CompareOptions(floor_ms=1.0))
    health = next(e for e in floored.endpoints if e.endpoint == "health")
    assert health.metrics["p50"].verdict == "unchanged"
    assert "floor" in health.metrics["p50"].reason


def test_each_metric_reports_change_interval_and_detectable_change() -> None:
    base, cand = _pair(4, slow={"search": 1.5})
    p50 = next(e for e in compare_runs(base, cand).endpoints if e.endpoint == "search")
    item = p50.metrics["p50"].to_dict()
    lo, hi = item["ci"]  # type: ignore[misc]
    assert lo < item["change"] < hi  # type: ignore[operator]
    assert 0.3 < item["change"] < 0.7  # type: ignore[operator]
    assert item["noise"]["source"] == "interleaved trials"  # type: ignore[index]
    assert item["smallest_detectable"] is not None and item["verdict"] == "regressed"


def test_the_history_gate_is_the_same_rule() -> None:
    rng = np.random.default_rng(8)
    history = [simulate(rng, f"h{i}", trials=1, session=None, index=i) for i in range(20)]
    same = simulate(rng, "n", trials=1, session=None, index=40)
    slow = simulate(rng, "s", trials=1, session=None, index=41, slow={"chat": 1.6})
    assert compare_to_history(same, history).verdict == "unchanged"
    gate = compare_to_history(slow, history)
    assert gate.evidence == "history"
    assert ("chat", "p50") in {(e, m.metric) for e, m in gate.regressions()}
    few = compare_to_history(slow, history[:2])
    assert few.verdict == "unchanged" and "not enough history (2 of 10" in few.notes[0]


def test_holm_matches_the_step_down_definition() -> None:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([]) == []


def test_history_spread_is_robust_to_a_step() -> None:
    rng = np.random.default_rng(2)
    values = list(np.exp(rng.normal(0, 0.05, 30)) * 100)
    stepped = values[:15] + [v * 2 for v in values[15:]]
    plain = history_spread(values)
    robust = history_spread(stepped)
    assert plain is not None and robust is not None
    assert robust[0] < 1.5 * plain[0]  # the step is not taken for noise


@pytest.mark.parametrize("threshold", [-0.1, 0.0, math.nan, math.inf])
def test_a_threshold_that_could_never_decide_is_refused(threshold: float) -> None:
    base, cand = _pair(1)
    with pytest.raises(InputError, match="--threshold"):
        compare_runs(base, cand, CompareOptions(threshold=threshold))
