"""Runs built from real tallies, for the model and history tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from perfkit.runs.histogram import Tally
from perfkit.runs.model import (
    EndpointStats,
    Environment,
    GeneratorStats,
    LoadSettings,
    Run,
)


def tally(latencies_ms: list[float], errors: int = 0) -> Tally:
    result = Tally()
    for value in latencies_ms:
        result.record(200, None, value)
    for _ in range(errors):
        result.record(503, "5xx", 1.0)
    return result


def make_run(
    *,
    target: str = "http://127.0.0.1:8000",
    scenario: str = "default",
    started: datetime | None = None,
    latencies_ms: tuple[float, ...] = (1.0, 2.0, 3.0, 40.0),
    errors: int = 0,
) -> Run:
    started = started or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    health = tally(list(latencies_ms))
    api = tally(list(latencies_ms), errors)
    total = Tally()
    total.add(health)
    total.add(api)
    return Run(
        run_id=started.strftime("%Y%m%dT%H%M%SZ") + "-test",
        kind="baseline",
        started_at=started,
        finished_at=started + timedelta(seconds=10),
        target=target,
        target_url=target,
        scenario=scenario,
        load=LoadSettings("closed", 4, None, 10.0, None, 1.0, 5.0, 1, "aiohttp"),
        environment=Environment("0.1.0", "3.11.9", "CPython", "Linux", "x86_64", "h", 2, None),
        generator=GeneratorStats("aiohttp", 1, 1.5, 0.15, 0.2, False),
        overall=total.to_stats(10.0),
        endpoints=[
            EndpointStats("health", "GET", "/health", "health", health.to_stats(10.0)),
            EndpointStats("api", "GET", "/api/x", "api", api.to_stats(10.0)),
        ],
    )
