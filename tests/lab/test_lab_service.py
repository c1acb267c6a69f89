"""The lab against the real reference service over loopback, each on its own Redis."""

from __future__ import annotations

import pytest

from perfkit.lab import (
    LabPolicy,
    accuracy,
    drive,
    enforcing_service,
    lab_service,
    measure_cold_warm,
    run_drill,
)


def test_cold_requests_miss_and_warm_requests_hit_the_cache() -> None:
    with lab_service() as service:
        lab = measure_cold_warm(service, keys=3)
    assert set(lab.samples["status"]) == {200}
    counts = lab.namespace_counts()
    assert list(counts["misses"]) == [3, 9, 3]  # audio features: three tracks per key
    assert list(counts["hits"]) == [3, 9, 3]
    assert list(counts["loader_calls"]) == [3, 3, 3]  # one upstream call per cold request
    assert (lab.summary()["cut %"] > 0).all()  # a hit skips the 50 ms upstream call


def test_the_limiter_never_admits_more_than_its_policy_allows() -> None:
    policy = LabPolicy(limit=5, window=0.5)
    with enforcing_service(policy) as service:
        samples = drive(service, policy, overload=3.0, duration=2.0)
    table = accuracy(samples, policy, 2.0)
    assert list(table["other"]) == [0, 0, 0]  # only 200 and 429
    assert (table["refused (429)"] > 0).all()
    assert list(table["over-admitted"]) == [0, 0, 0]
    assert (table["admitted"] >= policy.limit).all()


@pytest.mark.timeout(120)
def test_a_redis_outage_under_load_gives_no_5xx_and_redis_is_used_again() -> None:
    with lab_service() as service:
        drill = run_drill(service, rate=40.0, phase_s=1.5)
    phases = drill.phases()
    assert phases["5xx"].sum() == 0 and phases["no answer"].sum() == 0
    assert phases.loc["outage", "limiter: memory"] > 0  # decided in-process while away
    assert phases.loc["recovered", "limiter: redis"] > 0  # and back on Redis after
    assert drill.health_after["status"] == "healthy"
