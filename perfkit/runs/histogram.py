"""The tallies of a load run and the latency stats drawn from them.

Pure: a `Tally` collects what one worker saw for one endpoint, tallies merge exactly
(histograms add bucket by bucket, extremes by min and max), and `to_stats` turns a
merged tally into the `Stats` kept in a run. The histogram is `perfkit.histogram`'s,
in its `RUN` layout; its percentile definition (nearest rank) is documented there.
"""

from __future__ import annotations

import binascii
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hdrh.codec import HdrCookieException, HdrHistogramSettingsException, HdrLengthException
from hdrh.histogram import HdrHistogram

from perfkit.histogram import RUN, HistogramDecodeError, LatencyHistogram
from perfkit.runs.model import EndpointStats, LatencyStats, Stats

_DECODE_ERRORS = (ValueError, TypeError, IndexError, zlib.error, binascii.Error, HdrCookieException,
                  HdrLengthException, HdrHistogramSettingsException)  # fmt: skip

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


def decode(encoded: str) -> HdrHistogram:
    """The HdrHistogram stored in a run (`Stats.histogram`), for readers of its buckets."""
    try:
        return HdrHistogram.decode(encoded.encode("ascii"))
    except _DECODE_ERRORS as exc:
        raise HistogramDecodeError(f"bad encoded histogram: {exc}") from None


def merge(encoded: list[str]) -> LatencyHistogram:
    """One histogram holding every value of the encoded ones (exact, bucket by bucket)."""
    total = LatencyHistogram(RUN)
    for item in encoded:
        total.merge(LatencyHistogram.decode(item, RUN))
    return total


def latency_stats(histogram: LatencyHistogram) -> LatencyStats:
    """min, mean, nearest-rank p50/p90/p95/p99/p99.9 and max, in ms to the microsecond."""
    if histogram.count == 0:
        return LatencyStats()
    p50, p90, p95, p99, p999 = (round(v, 3) for v in histogram.percentiles_ms(PERCENTILES).values())
    return LatencyStats(
        min_ms=round(histogram.min_ms, 3),
        mean_ms=round(histogram.mean_ms, 3),
        p50_ms=p50,
        p90_ms=p90,
        p95_ms=p95,
        p99_ms=p99,
        p999_ms=p999,
        max_ms=round(histogram.max_ms, 3),
    )


@dataclass
class Tally:
    """Counts and a latency histogram for one endpoint (or all) as seen by one worker."""

    count: int = 0
    errors_by_class: Counter[str] = field(default_factory=Counter)
    status_counts: Counter[str] = field(default_factory=Counter)
    histogram: LatencyHistogram = field(default_factory=LatencyHistogram)

    def record(self, status: int, error_class: str | None, latency_ms: float | None) -> None:
        self.count += 1
        if status:
            self.status_counts[str(status)] += 1
        if error_class is not None:
            self.errors_by_class[error_class] += 1
        if latency_ms is not None:
            self.histogram.record_ms(latency_ms)

    def add(self, other: Tally) -> None:
        self.count += other.count
        self.errors_by_class.update(other.errors_by_class)
        self.status_counts.update(other.status_counts)
        self.histogram.merge(other.histogram)

    def to_wire(self) -> dict[str, object]:
        """A picklable/JSON-able form, for sending from a worker process.

        The exact extremes travel beside the histogram, whose encoding keeps only buckets.
        """
        return {
            "count": self.count,
            "errors_by_class": dict(self.errors_by_class),
            "status_counts": dict(self.status_counts),
            "histogram": self.histogram.encode(),
            "min_ms": self.histogram.min_ms,
            "max_ms": self.histogram.max_ms,
        }

    @classmethod
    def from_wire(cls, data: dict[str, object]) -> Tally:
        count = data["count"]
        by_class = data["errors_by_class"]
        statuses = data["status_counts"]
        encoded = data["histogram"]
        assert isinstance(count, int) and isinstance(encoded, str)
        assert isinstance(by_class, dict) and isinstance(statuses, dict)
        histogram = LatencyHistogram.decode(encoded, RUN)
        low, high = data.get("min_ms"), data.get("max_ms")
        if isinstance(low, float | int) and isinstance(high, float | int):
            histogram.with_extremes(low, high)
        return cls(count, Counter(by_class), Counter(statuses), histogram)

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
            histogram=self.histogram.encode(),
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
