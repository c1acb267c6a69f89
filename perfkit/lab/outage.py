"""The Redis outage drill: stop Redis under load, start it again, count what happened.

Requests go out at a fixed rate through three phases: Redis up, Redis stopped, Redis
started again (empty, on the same port). The service should answer every request
without a 5xx: the limiter decides in-process and the cache serves from memory or the
upstream while Redis is away, then both go back to Redis. The limiter's and the cache's
stats endpoints are read at each phase boundary to show which backend decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from perfkit.errors import InputError
from perfkit.lab.pacer import Event, Request, send_paced
from perfkit.lab.service import LabService
from perfkit.live import CACHE_STATS, HEALTH_STATUSES, RATE_LIMIT_STATS, REDIS_HEALTH

PHASES = ("before", "outage", "recovered")
DRILL_MIX = [
    Request("spotify-me", "/api/spotify/me", headers={"x-user-id": "drill"}),
    Request("audio-features", "/api/spotify/audio-features?ids=d1,d2,d3"),
    Request("recommendations", "/api/recommendations?seed=drill&limit=10"),
    Request("chat", "/api/chat", method="POST", json={"message": "more", "session_id": "drill"}),
    Request("api-health", "/api/health"),
]


@dataclass
class Drill:
    """``samples`` (t_s, request, status, latency_ms, phase) and a stats snapshot per
    boundary: ``snapshots[phase]`` is taken when that phase begins, ``snapshots["end"]``
    after the last answer."""

    samples: pd.DataFrame
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    health_after: dict[str, Any] = field(default_factory=dict)

    def phases(self) -> pd.DataFrame:
        return phase_table(self.samples, self.snapshots)


def _snapshot(service: LabService) -> dict[str, Any]:
    return {
        "limiter": service.get_json(RATE_LIMIT_STATS),
        "cache": service.get_json(CACHE_STATS),
    }


def run_drill(service: LabService, *, rate: float = 60.0, phase_s: float = 2.0) -> Drill:
    """``phase_s`` seconds in each phase at ``rate`` requests per second."""
    if not phase_s > 0:
        raise InputError(f"phase_s must be > 0 (got {phase_s:g})")
    snapshots: dict[str, dict[str, Any]] = {}

    def boundary(phase: str, change: Any) -> Event:
        def act() -> None:
            snapshots[phase] = _snapshot(service)
            change()

        return Event(PHASES.index(phase) * phase_s, act)

    events = [
        boundary("before", lambda: None),
        boundary("outage", service.redis.stop),
        boundary("recovered", service.redis.start),
    ]
    samples = send_paced(service.url, DRILL_MIX, rate=rate, duration=3 * phase_s, events=events)
    snapshots["end"] = _snapshot(service)
    samples["phase"] = [PHASES[min(int(t // phase_s), 2)] for t in samples["t_s"]]
    health = service.get_json(REDIS_HEALTH, statuses=HEALTH_STATUSES)
    return Drill(samples, snapshots, health)


def _backend_counts(snapshot: dict[str, Any]) -> dict[str, int]:
    counts = snapshot["limiter"].get("decisions_by_backend", {})
    return {k: int(v) for k, v in counts.items()}


def _cache_counter(snapshot: dict[str, Any], name: str) -> int:
    return int(snapshot["cache"].get("global", {}).get(name, 0))


def phase_table(samples: pd.DataFrame, snapshots: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Per phase: requests, 5xx, other failures, p50/p99 latency, the limiter's decisions
    by backend and the cache's Redis errors and in-memory fallback hits in that phase."""
    rows = []
    order = [*PHASES, "end"]
    for phase, nxt in zip(PHASES, order[1:], strict=True):
        mine = samples[samples["phase"] == phase]
        start, stop = snapshots.get(phase), snapshots.get(nxt)
        row: dict[str, Any] = {
            "phase": phase,
            "requests": len(mine),
            "5xx": int((mine["status"] >= 500).sum()),
            "no answer": int((mine["status"] == 0).sum()),
            "p50 ms": round(float(mine["latency_ms"].median()), 1),
            "p99 ms": round(float(mine["latency_ms"].quantile(0.99)), 1),
        }
        if start is not None and stop is not None:
            a, b = _backend_counts(start), _backend_counts(stop)
            for backend in ("redis", "memory"):
                row[f"limiter: {backend}"] = b.get(backend, 0) - a.get(backend, 0)
            for counter in ("redis_errors", "fallback_hits"):
                row[f"cache: {counter}"] = _cache_counter(stop, counter) - _cache_counter(
                    start, counter
                )
        rows.append(row)
    return pd.DataFrame(rows).set_index("phase")
