"""Mergeable latency histograms (HdrHistogram, microseconds) and the stats drawn from them.

Pure functions: a `Tally` collects what one worker saw for one endpoint, tallies merge
exactly (histograms add bucket by bucket), and `to_stats` turns a merged tally into the
`Stats` kept in a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hdrh.histogram import HdrHistogram

from perfkit.runs.model import EndpointStats, LatencyStats, Stats

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def encode(histogram: HdrHistogram) -> str:
    return bytes(histogram.encode()).decode("ascii")


def decode(encoded: str) -> HdrHistogram:
    return HdrHistogram.decode(encoded.encode("ascii"))


def merge(encoded: list[str]) -> HdrHistogram:
    """One histogram holding every value of the encoded ones (exact, bucket by bucket)."""
    total = new_histogram()
    for item in encoded:
        total.add(decode(item))
    return total


def record_ms(histogram: HdrHistogram, latency_ms: float) -> None:
    micros = round(latency_ms * 1000.0)
    histogram.record_value(min(max(micros, LOWEST_US), HIGHEST_US))


def latency_stats(histogram: HdrHistogram) -> LatencyStats:
    if histogram.get_total_count() == 0:
        return LatencyStats()

    def at(percentile: float) -> float:
        return round(float(histogram.get_value_at_percentile(percentile)) / 1000.0, 3)

    return LatencyStats(
        min_ms=round(histogram.get_min_value() / 1000.0, 3),
        mean_ms=round(histogram.get_mean_value() / 1000.0, 3),
        p50_ms=at(50.0),
        p90_ms=at(90.0),
        p95_ms=at(95.0),
        p99_ms=at(99.0),
        p999_ms=at(99.9),
        max_ms=round(histogram.get_max_value() / 1000.0, 3),
    )


@dataclass
class Tally:
    """Counts and a latency histogram for one endpoint (or all) as seen by one worker."""

    count: int = 0
    errors_by_class: Counter[str] = field(default_factory=Counter)
    status_counts: Counter[str] = field(default_factory=Counter)
    histogram: HdrHistogram = field(default_factory=new_histogram)

    def record(self, status: int, error_class: str | None, latency_ms: float | None) -> None:
        self.count += 1
        if status:
            self.status_counts[str(status)] += 1
        if error_class is not None:
            self.errors_by_class[error_class] += 1
        if latency_ms is not None:
            record_ms(self.histogram, latency_ms)

    def add(self, other: Tally) -> None:
        self.count += other.count
        self.errors_by_class.update(other.errors_by_class)
        self.status_counts.update(other.status_counts)
        self.histogram.add(other.histogram)

    def to_wire(self) -> dict[str, object]:
        """A picklable/JSON-able form, for sending from a worker process."""
        return {
            "count": self.count,
            "errors_by_class": dict(self.errors_by_class),
            "status_counts": dict(self.status_counts),
            "histogram": encode(self.histogram),
        }

    @classmethod
    def from_wire(cls, data: dict[str, object]) -> Tally:
        count = data["count"]
        by_class = data["errors_by_class"]
        statuses = data["status_counts"]
        histogram = data["histogram"]
        assert isinstance(count, int) and isinstance(histogram, str)
        assert isinstance(by_class, dict) and isinstance(statuses, dict)
        return cls(count, Counter(by_class), Counter(statuses), decode(histogram))

    def to_stats(self, seconds: float) -> Stats:
        errors = sum(self.errors_by_class.values())
        return Stats(
            count=self.count,
            ok=self.count - errors,
            errors=errors,
            errors_by_class=dict(sorted(self.errors_by_class.items())),
            status_counts=dict(sorted(self.status_counts.items())),
            throughput_rps=round(self.count / seconds, 3) if seconds > 0 else 0.0,
            latency=latency_stats(self.histogram),
            histogram=encode(self.histogram),
        )


class NamedEndpoint(Protocol):
    """What a run says about an endpoint (a scenario's `Endpoint`, an importer's)."""

    @property
    def name(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def category(self) -> str: ...


def run_stats(
    endpoints: Sequence[NamedEndpoint], tallies: Sequence[Tally], seconds: float
) -> tuple[Stats, list[EndpointStats]]:
    """The overall stats (every endpoint's tally merged) and each endpoint's, over the
    measured `seconds`."""
    overall = Tally()
    for tally in tallies:
        overall.add(tally)
    return overall.to_stats(seconds), [
        EndpointStats(e.name, e.method, e.path, e.category, t.to_stats(seconds))
        for e, t in zip(endpoints, tallies, strict=True)
    ]
