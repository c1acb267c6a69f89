"""The plain data the analysis works on, independent of how a run is stored.

`RunData` is what compare, the history gate and the analytics report read: per endpoint,
the counts and either the raw per-request latencies (exact) or a mergeable histogram
(approximate, for runs whose samples file is missing). `perfkit.analysis.adapt` builds it
from a stored run; tests and notebooks can build it directly from arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from perfkit.histogram import LatencyHistogram
from perfkit.machine import Testbed


class Distribution(Protocol):
    """What the analysis needs of a latency distribution: raw samples or a histogram."""

    @property
    def count(self) -> int: ...

    def percentile(self, q: float) -> float:
        """The value at percentile ``q`` (0-100)."""
        ...

    def mean(self) -> float: ...

    def count_at_or_below(self, value: float) -> int:
        """How many recorded values are <= ``value`` (ms)."""
        ...


class SampleDistribution:
    """Exact statistics over raw latencies in milliseconds."""

    def __init__(self, values_ms: NDArray[np.float64]) -> None:
        self.values = np.sort(np.asarray(values_ms, dtype=np.float64))

    @property
    def count(self) -> int:
        return int(self.values.size)

    def percentile(self, q: float) -> float:
        if self.values.size == 0:
            return math.nan
        # "inverted_cdf": the smallest sample with at least q % of samples at or below it,
        # the same definition HdrHistogram uses, so the two fall-backs agree.
        return float(np.percentile(self.values, q, method="inverted_cdf"))

    def mean(self) -> float:
        return float(self.values.mean()) if self.values.size else math.nan

    def count_at_or_below(self, value: float) -> int:
        return int(np.searchsorted(self.values, value, side="right"))


class HistogramDistribution:
    """Statistics from a run's latency histogram (`perfkit.histogram.LatencyHistogram`).

    Percentiles are nearest rank, as the run's own figures (`perfkit.histogram`), accurate
    to the histogram's significant digits; the mean is the histogram's own.
    """

    def __init__(self, histogram: LatencyHistogram) -> None:
        self.histogram = histogram

    @property
    def count(self) -> int:
        return self.histogram.count

    def percentile(self, q: float) -> float:
        if self.count == 0:
            return math.nan
        return self.histogram.percentiles_ms([q])[q]

    def mean(self) -> float:
        return self.histogram.mean_ms if self.count else math.nan

    def count_at_or_below(self, value: float) -> int:
        return self.histogram.cumulative_counts([value])[0]


@dataclass(frozen=True)
class EndpointData:
    """One endpoint (or the whole run) of one run.

    With samples: ``latencies_ms`` (answered requests only, as in the run's histogram),
    ``failed`` and ``latency_times_s`` (completion time, seconds into the measured period)
    aligned with it; ``offsets_s`` holds the completion time of *every* request (for
    throughput). ``summary`` holds the run's recorded statistics (p50, p95, mean... in ms).
    """

    name: str
    count: int
    errors: int
    duration_s: float
    latencies_ms: NDArray[np.float64] | None = None
    offsets_s: NDArray[np.float64] | None = None
    failed: NDArray[np.bool_] | None = None
    latency_times_s: NDArray[np.float64] | None = None
    histogram: Distribution | None = None
    errors_by_class: Mapping[str, int] = field(default_factory=dict)
    summary: Mapping[str, float] = field(default_factory=dict)
    #: metric -> its value in each trial of a repeated run (empty for a single run)
    trials: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    #: set when only a tool's summary is known ("a Locust summary"): what it lacks is NaN
    origin: str | None = None

    @property
    def has_samples(self) -> bool:
        return self.latencies_ms is not None and self.latencies_ms.size > 0

    def distribution(self) -> Distribution | None:
        """Raw samples when present, else the histogram, else None."""
        if self.latencies_ms is not None and self.latencies_ms.size > 0:
            return SampleDistribution(self.latencies_ms)
        return self.histogram

    @property
    def throughput(self) -> float:
        return self.count / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0

    def value(self, metric: str, *, prefer_summary: bool = False) -> float:
        """``metric`` (p50/p95/p99/mean in ms, throughput, error_rate) of this endpoint.

        Latencies come from the distribution (exact with samples); ``prefer_summary`` takes
        the run's recorded statistics first, so a long history need not load any samples.
        """
        if metric == "throughput":
            return self.throughput
        if metric == "error_rate":
            return self.error_rate
        if prefer_summary and metric in self.summary:
            return float(self.summary[metric])
        dist = self.distribution()
        if dist is None:
            return float(self.summary.get(metric, math.nan))
        return dist.mean() if metric == "mean" else dist.percentile(float(metric.lstrip("p")))


@dataclass(frozen=True)
class RunData:
    """One run: identity, what it measured (target, scenario, load) and its endpoints."""

    run_id: str
    started_at: datetime
    target: str
    scenario: str
    load: Mapping[str, Any]
    endpoints: Mapping[str, EndpointData]
    overall: EndpointData
    server: Mapping[str, Any] | None = None
    source: str | None = None
    cache_stats: Mapping[str, Any] | None = None  # the target's /api/cache/stats after the run
    redis_health: Mapping[str, Any] | None = None  # the target's /api/redis/health after it
    commit: str | None = None  # the git commit of the code that was measured, when known
    session: str | None = None  # runs recorded as interleaved trials of one session share it
    #: when each trial began; equal in two runs loaded at the same time (a duet): paired
    trial_starts: tuple[datetime, ...] = ()
    origin: str | None = None  # "a Locust summary" when the run holds only a tool's summary
    testbed: Testbed | None = None  # where it was measured (None: unknown, matches any)

    @property
    def has_samples(self) -> bool:
        return self.overall.has_samples or any(e.has_samples for e in self.endpoints.values())

    def comparable_key(self) -> tuple[str, str, str]:
        """Runs with equal keys measured the same thing the same way."""
        load = ",".join(f"{k}={self.load[k]}" for k in sorted(self.load))
        return (self.target, self.scenario, load)


def endpoint_from_samples(
    name: str,
    latencies_ms: NDArray[np.float64] | list[float],
    *,
    duration_s: float,
    failed: NDArray[np.bool_] | list[bool] | None = None,
    offsets_s: NDArray[np.float64] | list[float] | None = None,
) -> EndpointData:
    """An `EndpointData` from raw arrays (for tests, notebooks and synthetic series)."""
    values = np.asarray(latencies_ms, dtype=np.float64)
    failures = (
        np.zeros(values.size, dtype=bool) if failed is None else np.asarray(failed, dtype=bool)
    )
    offsets = None if offsets_s is None else np.asarray(offsets_s, dtype=np.float64)
    return EndpointData(
        name=name,
        count=int(values.size),
        errors=int(failures.sum()),
        duration_s=duration_s,
        latencies_ms=values,
        offsets_s=offsets,
        failed=failures,
        latency_times_s=offsets,
    )
