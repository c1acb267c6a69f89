from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.errors import InputError
from perfkit.loadgen.smoke import Thresholds, evaluate, load_thresholds
from perfkit.runs.histogram import Tally
from perfkit.runs.model import EndpointStats, SmokeVerdict


def _tally(latencies: list[float], errors: int) -> Tally:
    tally = Tally()
    for value in latencies:
        tally.record(200, None, value)
    for _ in range(errors):
        tally.record(500, "5xx", 5.0)
    return tally


def _endpoint(name: str, category: str, latencies: list[float], errors: int = 0) -> EndpointStats:
    return EndpointStats(name, "GET", f"/{name}", category, _tally(latencies, errors).to_stats(1.0))


def _verdict(endpoints: list[EndpointStats], thresholds: Thresholds | None = None) -> SmokeVerdict:
    total = Tally()
    for e in endpoints:
        total.add(_tally([5.0] * e.stats.ok, e.stats.errors))
    return evaluate(thresholds or Thresholds(), total.to_stats(1.0), endpoints)


def test_the_seed_defaults_pass_a_healthy_run() -> None:
    verdict = _verdict([_endpoint("health", "health", [5.0] * 100),
                        _endpoint("api", "api", [50.0] * 100),
                        _endpoint("core", "critical", [20.0] * 100)])  # fmt: skip
    assert verdict.passed
    assert [c.name for c in verdict.criteria] == [
        "health p95 latency", "api p95 latency", "core p95 latency",
        "overall error rate", "core error rate (critical)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("endpoints", "failing"),
    [
        ([_endpoint("health", "health", [1500.0] * 100)], "health p95 latency"),
        ([_endpoint("api", "api", [10.0] * 90 + [2500.0] * 10)], "api p95 latency"),
        ([_endpoint("api", "api", [10.0] * 90, errors=10)], "overall error rate"),
        (
            [
                _endpoint("api", "api", [10.0] * 99),
                _endpoint("core", "critical", [10.0] * 99, errors=1),
            ],
            "core error rate (critical)",
        ),
    ],
)
def test_each_criterion_fails_when_broken(endpoints: list[EndpointStats], failing: str) -> None:
    verdict = _verdict(endpoints)
    assert not verdict.passed
    assert [c.name for c in verdict.criteria if not c.passed] == [failing]


def test_p95_forgives_one_outlier_that_max_does_not() -> None:
    endpoints = [_endpoint("health", "health", [5.0] * 99 + [1200.0])]
    assert _verdict(endpoints).passed
    assert not _verdict(endpoints, Thresholds(statistic="max")).passed


def test_thresholds_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('statistic = "p99"\napi_latency_ms = 250\n')
    assert load_thresholds(path) == Thresholds(statistic="p99", api_latency_ms=250.0)
    assert load_thresholds() == Thresholds()  # the bundled file holds the defaults
    path.write_text("api_latency = 250\n")
    with pytest.raises(InputError, match="unknown field 'api_latency'"):
        load_thresholds(path)
    path.write_text("api_latency_ms = -1\n")
    with pytest.raises(InputError, match="api_latency_ms must be a number >= 0"):
        load_thresholds(path)
