"""The lab's arithmetic on made-up samples: bounds, accuracy, cold/warm cut, phases."""

from __future__ import annotations

import pandas as pd
import pytest

from perfkit.lab import LabPolicy, accuracy, cold_warm_summary, max_admitted, phase_table


def test_max_admitted_per_algorithm() -> None:
    policy = LabPolicy(limit=10, window=1.0)
    assert max_admitted("gcra", policy, 4.0) == 50  # burst of 10, then 10 per second
    assert max_admitted("sliding_window", policy, 4.0) == 50
    assert max_admitted("fixed_window", policy, 4.0) == 40  # windows 0-1, 1-2, 2-3, 3-4
    assert max_admitted("fixed_window", policy, 4.2) == 50  # a fifth window started


def _limited(admit_per_window: int, policy: LabPolicy, windows: int) -> pd.DataFrame:
    rows = []
    for algorithm in ("gcra", "sliding_window", "fixed_window"):
        for w in range(windows):
            for k in range(30):  # 30 sent per window, the first ones admitted
                t = w * policy.window + k * policy.window / 30
                status = 200 if k < admit_per_window else 429
                rows.append((t, algorithm, status, 1.0))
    return pd.DataFrame(rows, columns=["t_s", "request", "status", "latency_ms"])


def test_accuracy_is_the_steady_admitted_rate_against_the_limit() -> None:
    policy = LabPolicy(limit=10, window=1.0)
    exact = accuracy(_limited(10, policy, 4), policy, 4.0)
    assert list(exact["accuracy %"]) == [100.0, 100.0, 100.0]
    assert list(exact["over-admitted"]) == [0, 0, 0]
    assert list(exact["refused (429)"]) == [80, 80, 80]
    loose = accuracy(_limited(12, policy, 4), policy, 4.0)
    assert list(loose["accuracy %"]) == [120.0, 120.0, 120.0]
    assert loose.loc["fixed_window", "over-admitted"] == 8  # 48 admitted, 40 allowed


def test_cold_warm_summary_reports_the_cut() -> None:
    samples = pd.DataFrame(
        [("spotify-me", i, phase, 200, ms) for i in range(3)
         for phase, ms in (("cold", 50.0), ("warm", 5.0))]
        + [("spotify-me", 9, "warm", 500, 999.0)],  # a failed request is left out
        columns=["endpoint", "key", "phase", "status", "latency_ms"],
    )  # fmt: skip
    summary = cold_warm_summary(samples)
    assert summary.loc["spotify-me", "cut %"] == pytest.approx(90.0)
    assert summary.loc["spotify-me", "requests"] == 6


def test_phase_table_counts_failures_and_backends_per_phase() -> None:
    samples = pd.DataFrame(
        [(0.1, "a", 200, 2.0, "before"), (1.1, "a", 200, 9.0, "outage"),
         (1.2, "a", 503, 3.0, "outage"), (2.1, "a", 0, 10.0, "recovered")],
        columns=["t_s", "request", "status", "latency_ms", "phase"],
    )  # fmt: skip

    def snap(redis: int, memory: int, errors: int) -> dict[str, object]:
        return {"limiter": {"decisions_by_backend": {"redis": redis, "memory": memory}},
                "cache": {"global": {"redis_errors": errors, "fallback_hits": 0}}}  # fmt: skip

    snapshots = {"before": snap(0, 0, 0), "outage": snap(5, 0, 0),
                 "recovered": snap(6, 7, 2), "end": snap(9, 7, 2)}  # fmt: skip
    table = phase_table(samples, snapshots)
    assert list(table["5xx"]) == [0, 1, 0]
    assert list(table["no answer"]) == [0, 0, 1]
    assert list(table["limiter: memory"]) == [0, 7, 0]
    assert list(table["limiter: redis"]) == [5, 1, 3]
    assert list(table["cache: redis_errors"]) == [0, 2, 0]
