"""A verdict's reason names the gates the change passed, and only those: no floor when none
was set, the error-rate floor for error rates, the threshold always."""

from __future__ import annotations

from datetime import UTC, datetime

from perfkit.analysis.compare import compare_runs
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.verdict import (
    CompareOptions,
    MetricTest,
    Noise,
    decide,
)
from perfkit.analysis.verdict import test_error_rate as error_rate_test
from perfkit.analysis.verdict_text import headline

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NOISE = Noise(0.01, 20.0, "interleaved trials", "11 + 11 interleaved trials")


def _moved(metric: str, base: float, candidate: float, floor: float | None) -> MetricTest:
    change = (candidate - base) / base
    return MetricTest("chat", metric, base, candidate, change, 1e-9, None, None, NOISE, floor)


def _reason(test: MetricTest, options: CompareOptions) -> tuple[str, str]:
    verdict = decide([test], options).verdicts[0]
    return verdict.verdict, verdict.reason


def test_a_latency_without_a_floor_passed_only_the_threshold() -> None:
    verdict, reason = _reason(_moved("p50", 10.0, 12.0, None), CompareOptions())
    assert verdict == "regressed"
    assert reason.endswith("after Holm, past the 10% threshold") and "floor" not in reason


def test_a_latency_with_the_users_floor_names_both() -> None:
    options = CompareOptions(floor_ms=1.0)
    verdict, reason = _reason(_moved("p50", 10.0, 12.0, 1.0), options)
    assert verdict == "regressed" and reason.endswith("past the 10% threshold and the 1 ms floor")
    verdict, reason = _reason(_moved("p50", 1.0, 1.5, 1.0), options)
    assert verdict == "unchanged" and reason == "below the 1 ms floor"


def test_throughput_has_no_floor_to_pass() -> None:
    verdict, reason = _reason(_moved("throughput", 100.0, 80.0, None), CompareOptions(floor_ms=2))
    assert verdict == "regressed" and reason.endswith("past the 10% threshold")


def test_an_error_rate_passed_its_points_floor_and_the_threshold() -> None:
    test = error_rate_test("chat", (0, 20_000), (1_000, 20_000), CompareOptions())
    verdict, reason = _reason(test, CompareOptions())
    assert verdict == "regressed"
    assert reason.endswith("past the 0.5% points floor and the 10% threshold")


def test_the_unchanged_headline_names_the_gates_it_was_judged_by() -> None:
    def run(run_id: str) -> RunData:
        summary = {"p50": 10.0, "p95": 20.0, "p99": 30.0, "mean": 12.0, "throughput": 50.0}
        ep = EndpointData("chat", 500, 0, 10.0, summary=summary)
        return RunData(run_id, T0, "svc", "default", {}, {"chat": ep}, ep)

    same = compare_runs(run("a"), run("b"))
    assert headline(same) == (
        "UNCHANGED: no endpoint moved past the noise and the 10 % threshold (1 endpoints)"
    )
    floored = compare_runs(run("a"), run("b"), CompareOptions(floor_ms=2.0))
    assert "the 10 % threshold and the 2 ms floor" in headline(floored)
