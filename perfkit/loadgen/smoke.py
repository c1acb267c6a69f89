"""Smoke criteria: thresholds (the packaged defaults, or a TOML file) judged against a run.

Pure: `evaluate(thresholds, overall, endpoints)` builds the verdict from stats. Health
endpoints are held to `health_latency_ms`, API and critical endpoints to
`api_latency_ms`, all endpoints together to `error_rate_pct`, and each critical
endpoint to `critical_error_rate_pct` (0: not a single error). The defaults:
perfkit/resources/thresholds.toml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from perfkit.errors import InputError
from perfkit.project import Project, read_toml
from perfkit.runs.model import Criterion, EndpointStats, SmokeVerdict, Stats

STATISTICS = ("p50", "p90", "p95", "p99", "p999", "max")


@dataclass(frozen=True)
class Thresholds:
    statistic: str = "p95"
    health_latency_ms: float = 1000.0
    api_latency_ms: float = 2000.0
    error_rate_pct: float = 5.0
    critical_error_rate_pct: float = 0.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> Thresholds:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"{source}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(known))})"
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name == "statistic":
                if value not in STATISTICS:
                    raise InputError(f"{source}: statistic must be one of {', '.join(STATISTICS)}")
                values[name] = value
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"{source}: {name} must be a number >= 0 (got {value!r})")
            else:
                values[name] = float(value)
        return cls(**values)


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Thresholds from `path`; without one, the project's (see `perfkit.project`), which
    fall back to the packaged defaults (health < 1 s, API < 2 s, errors < 5 %, none on
    critical endpoints)."""
    if path is None:
        path = Project.find().thresholds()
    return Thresholds.from_mapping(read_toml(path, "thresholds file"), str(path))


def _latency(thresholds: Thresholds, endpoint: EndpointStats) -> Criterion:
    stat = thresholds.statistic
    limit = (
        thresholds.health_latency_ms if endpoint.category == "health" else thresholds.api_latency_ms
    )
    name = f"{endpoint.name} {stat} latency"
    measured = getattr(endpoint.stats.latency, f"{stat}_ms")
    if measured is None:
        detail = "not requested" if endpoint.stats.count == 0 else "no response at all"
        return Criterion(name, 0.0, limit, "ms", False, detail)
    return Criterion(name, measured, limit, "ms", measured <= limit, endpoint.category)


def _error_rate(name: str, stats: Stats, limit_pct: float) -> Criterion:
    measured = round(stats.error_rate * 100.0, 3)
    detail = f"{stats.errors} of {stats.count}"
    return Criterion(name, measured, limit_pct, "%", measured <= limit_pct, detail)


def evaluate(
    thresholds: Thresholds, overall: Stats, endpoints: Sequence[EndpointStats]
) -> SmokeVerdict:
    criteria = [_latency(thresholds, e) for e in endpoints]
    criteria.append(_error_rate("overall error rate", overall, thresholds.error_rate_pct))
    criteria += [
        _error_rate(f"{e.name} error rate (critical)", e.stats, thresholds.critical_error_rate_pct)
        for e in endpoints
        if e.category == "critical"
    ]
    return SmokeVerdict(all(c.passed for c in criteria), criteria)
