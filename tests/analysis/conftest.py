"""Synthetic runs for the analysis tests (real recorded runs live in data/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from perfkit.analysis.data import EndpointData, RunData, endpoint_from_samples

MakeRun = Callable[..., RunData]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def synthetic_endpoint(
    name: str,
    rng: np.random.Generator,
    *,
    median_ms: float,
    n: int = 2000,
    sigma: float = 0.25,
    errors: int = 0,
    duration_s: float = 20.0,
) -> EndpointData:
    """Log-normal latencies around ``median_ms``, completions spread over the duration."""
    latencies = rng.lognormal(np.log(median_ms), sigma, n)
    failed = np.zeros(n, dtype=bool)
    failed[rng.choice(n, size=errors, replace=False)] = True
    offsets = np.sort(rng.uniform(0, duration_s, n))
    return endpoint_from_samples(
        name, latencies, duration_s=duration_s, failed=failed, offsets_s=offsets
    )


@pytest.fixture
def make_run() -> MakeRun:
    def build(
        run_id: str,
        *,
        seed: int,
        median_ms: float = 10.0,
        slow_ms: float | None = None,
        n: int = 2000,
        errors: int = 0,
        target: str = "http://svc",
        scenario: str = "default",
        index: int = 0,
    ) -> RunData:
        rng = np.random.default_rng(seed)
        fast = synthetic_endpoint("GET /fast", rng, median_ms=median_ms, n=n, errors=errors)
        slow = synthetic_endpoint("GET /slow", rng, median_ms=slow_ms or median_ms, n=n)
        both = np.concatenate([fast.latencies_ms, slow.latencies_ms])  # type: ignore[list-item]
        failed = np.concatenate([fast.failed, slow.failed])  # type: ignore[list-item]
        offsets = np.concatenate([fast.offsets_s, slow.offsets_s])  # type: ignore[list-item]
        overall = endpoint_from_samples(
            "overall", both, duration_s=20.0, failed=failed, offsets_s=offsets
        )
        return RunData(
            run_id=run_id,
            started_at=T0 + timedelta(hours=index),
            target=target,
            scenario=scenario,
            load={"model": "closed", "concurrency": 4},
            endpoints={"GET /fast": fast, "GET /slow": slow},
            overall=overall,
        )

    return build
