"""The cases the old rule got wrong, on synthetic runs (pure rule: no I/O to stand in for):
a 10 ms endpoint's +20 %, certain changes whose p-value underflows to 0, a history of 3
runs, outlier runs, other testbeds, a machine-wide shift and a noisy candidate."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from perfkit import machine
from perfkit.analysis.compare import compare_runs, compare_to_history
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.verdict import CompareOptions

from .test_verdict import T0, simulate


def _slower(run: RunData, factor: float) -> RunData:
    """``run`` on a machine ``factor`` times slower: every request of every endpoint."""

    def scaled(ep: EndpointData) -> EndpointData:
        summary = {m: v / factor if m == "throughput" else v * factor
                   for m, v in ep.summary.items()}  # fmt: skip
        return replace(ep, summary=summary, duration_s=ep.duration_s * factor)

    return replace(run, overall=scaled(run.overall),
                   endpoints={n: scaled(e) for n, e in run.endpoints.items()})  # fmt: skip


def _trials(rng: np.random.Generator, median: float, n: int = 5) -> tuple[float, ...]:
    return tuple(median * np.exp(rng.normal(0, 0.03, n)))


def _ten_ms_run(rng: np.random.Generator, run_id: str, fast_ms: float) -> RunData:
    """``fast`` (10 ms: the run's fastest requests, the old rule's floor) and ``other``."""
    eps = {}
    for name, median in (("fast", fast_ms), ("other", 20.0), ("overall", 15.0)):
        values = {m: _trials(rng, median * k) for m, k in
                  (("p50", 1.0), ("p95", 1.5), ("p99", 2.0), ("mean", 1.1))}  # fmt: skip
        values["throughput"] = _trials(rng, 100.0)
        summary = {m: float(np.exp(np.log(v).mean())) for m, v in values.items()}
        eps[name] = EndpointData(name, 1000, 0, 10.0, summary={**summary, "min": 10.0},
                                 trials=values)  # fmt: skip
    return RunData(run_id, T0, "svc", "default", {"model": "closed"},
                   {"fast": eps["fast"], "other": eps["other"]}, eps["overall"],
                   session="s")  # fmt: skip


def test_20_percent_on_a_10_ms_endpoint_is_caught_on_latency() -> None:
    for seed in range(20):
        rng = np.random.default_rng(seed)
        result = compare_runs(_ten_ms_run(rng, "a", 10.0), _ten_ms_run(rng, "b", 12.0))
        p50 = next(e for e in result.endpoints if e.endpoint == "fast").metrics["p50"]
        assert p50.verdict == "regressed", (seed, p50.reason)
        assert p50.test.floor is None


def _counts(name: str, count: int, errors: int, rps: float = 20.0) -> EndpointData:
    return EndpointData(name, count, errors, count / rps, summary={"p50": 10.0})


def _count_run(run_id: str, errors: int, rps: float = 20.0, index: int = 0) -> RunData:
    ep = _counts("api", 20_000, errors, rps)
    return RunData(run_id, T0.replace(hour=index), "svc", "default", {"model": "open"},
                   {"api": ep}, replace(ep, name="overall"))  # fmt: skip


def test_certain_changes_with_a_p_value_of_0_are_regressed() -> None:
    for errors in (1_000, 2_000, 10_000):  # 5 %, 10 %, 50 % of 20,000 requests
        result = compare_runs(_count_run("a", 0), _count_run("b", errors))
        metric = next(e for e in result.endpoints if e.endpoint == "api").metrics["error_rate"]
        assert metric.verdict == "regressed", metric.reason
        assert metric.test.p_value is not None and metric.test.p_value < 1e-300  # 0: underflow
    # an open model's throughput never varies: an exact figure, 20 -> 15 req/s is certain
    history = [_count_run(f"h{i}", 0, index=i) for i in range(12)]
    gate = compare_to_history(_count_run("c", 0, rps=15.0, index=20), history)
    assert ("api", "throughput") in {(e, m.metric) for e, m in gate.regressions()}


def test_a_history_of_3_runs_says_so_and_does_not_overflow() -> None:
    rng = np.random.default_rng(1)
    history = [simulate(rng, f"h{i}", trials=1, session=None, index=i) for i in range(3)]
    base = simulate(rng, "a", trials=1, session=None, index=5)
    cand = simulate(rng, "b", trials=1, session=None, index=6)
    result = compare_runs(base, cand, history=history)
    assert any("not enough history (3 of 10" in n for n in result.notes)
    assert result.evidence == "prior" and result.history_runs == 0
    forced = compare_runs(base, cand, CompareOptions(min_history=3), history=history)
    assert forced.evidence == "history" and forced.history_runs == 3
    forced.to_dict()  # infinite detectable changes serialise as null
    enough = [simulate(rng, f"g{i}", trials=1, session=None, index=i) for i in range(12)]
    assert compare_runs(base, cand, history=enough).history_runs == 12


def _outlying(rng: np.random.Generator, run_id: str, index: int) -> RunData:
    """A run; 1 in 20 stalled by a neighbour, 2x slower on every endpoint."""
    stalled = rng.random() < 0.05
    run = simulate(rng, run_id, trials=1, session=None, index=index)
    return _slower(run, 2.0) if stalled else run


def test_outlier_runs_do_not_cry_wolf_through_the_gate() -> None:
    """Before: ~8.5 % false alarms. Now 6 of 200 (3 %) on these runs, whose queueing delay
    is heavy-tailed; a stalled candidate is "environment changed", not "regressed"."""
    regressed = 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        history = [_outlying(rng, f"h{i}", i) for i in range(20)]
        outcome = compare_to_history(_outlying(rng, "c", 30), history).outcome
        regressed += outcome == "regressed"
    assert regressed <= 3


def test_another_testbed_is_named_and_the_code_not_blamed() -> None:
    rng = np.random.default_rng(3)
    here, there = (
        machine.Testbed("ci-1", 2, "AMD EPYC 7763"),
        machine.Testbed("ci-2", 2, "Intel Xeon 8370C"),
    )
    base = replace(simulate(rng, "a", trials=1, session=None), testbed=here)
    cand = replace(simulate(rng, "b", trials=1, session=None, slow={"chat": 3.0}), testbed=there)
    result = compare_runs(base, cand)
    assert result.outcome == "environment changed" and result.exit_code == 3
    assert any("different testbeds: ci-1 vs ci-2" in n for n in result.notes)
    env = result.to_dict()["environment"]
    assert env["changed"] is True and env["candidate_testbed"]["label"] is None  # type: ignore[index]
    # a history from a mixed pool: only the base's testbed gives the noise
    mixed = [replace(simulate(rng, f"h{i}", trials=1, session=None, index=i),
                     testbed=here if i % 2 else there) for i in range(24)]  # fmt: skip
    same = replace(simulate(rng, "c", trials=1, session=None, index=30), testbed=here)
    assert compare_runs(base, same, history=mixed).history_runs == 12


def test_every_endpoint_slower_alike_is_the_environment() -> None:
    rng = np.random.default_rng(4)
    history = [simulate(rng, f"h{i}", trials=1, session=None, index=i) for i in range(15)]
    machine = _slower(simulate(rng, "m", trials=1, session=None, index=20), 1.3)
    gate = compare_to_history(machine, history)
    assert gate.outcome == "environment changed", gate.notes
    assert "every endpoint's p50 moved by about +" in " ".join(gate.notes)
    code = simulate(rng, "c", trials=1, session=None, index=21, slow={"chat": 1.3})
    assert compare_to_history(code, history).outcome == "regressed"
    # interleaved trials ran both on one machine: a uniform shift there is the code's
    a, b = (simulate(rng, n, trials=5, session="s") for n in "ab")
    b = replace(b, endpoints={n: _slower_trials(e, 1.3) for n, e in b.endpoints.items()})
    assert compare_runs(a, b).outcome == "regressed"


def _slower_trials(ep: EndpointData, factor: float) -> EndpointData:
    trials = {m: tuple(v / factor if m == "throughput" else v * factor for v in values)
              for m, values in ep.trials.items()}  # fmt: skip
    return replace(ep, trials=trials)


def test_a_candidate_far_noisier_than_its_history_is_not_a_regression() -> None:
    flagged = environment = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        history = [simulate(rng, f"h{i}", trials=1, session=None, index=i) for i in range(15)]
        noisy = simulate(rng, "c", trials=3, session=None, index=20, endpoint_sd=0.25)
        gate = compare_to_history(noisy, history)
        flagged += gate.verdict != "unchanged"
        environment += gate.outcome == "environment changed"
    assert flagged <= 2
    assert environment >= 36
