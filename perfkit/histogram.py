"""The one latency histogram: HdrHistogram in microseconds, read in milliseconds.

Both a load run (`perfkit.runs.histogram.Tally`) and the service's monitor
(`perfkit.measure.stats`) keep their latencies here; they differ only in `Layout`:

- `RUN`: 3 significant figures (0.1 %) from 1 us to 60 s, the precision a run artifact
  promises;
- `MONITOR`: 2 significant figures (1 %) from 1 us to one hour, so a monitor with a capped
  number of routes stays small (about 26 KB a route).

Durations are rounded to the microsecond and clamped into the layout's range. Histograms
of one layout merge exactly (bucket by bucket) and travel as HdrHistogram's standard
compressed base64 form (`encode`, `decode`).

**Percentiles** are nearest-rank: the p-th percentile of N values is the value of rank
``ceil(p / 100 * N)`` (at least 1) in ascending order, numpy's ``inverted_cdf``, the
definition of HdrHistogram's Java original and of wrk. The histogram reports that value's
bucket by its highest equivalent value, clamped into ``[min, max]``, so a percentile is
never below the true one by more than nothing and never above it by more than the
layout's resolution, and never outside the observed range. (The Python ``hdrh``'s own
``get_value_at_percentile`` rounds the rank instead of taking its ceiling, one rank low,
and reports bucket tops above the maximum; so it is not used.) ``min_ms`` and ``max_ms``
are the exact extremes of what was recorded here, and of histograms merged in; after a
`decode` they are the bucket bounds the encoding keeps.

Only hdrh's public API is used, and only for the wire form: the counts are kept per
bucket in a dict (our own arithmetic for a bucket's lowest value, checked against hdrh's
buckets in the tests), `encode` hands them to ``HdrHistogram.record_value`` and `decode`
reads a decoded HdrHistogram's counts back (reading, never writing, its counts array).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from perfkit import hdr_wire


class Layout(NamedTuple):
    """The range and precision of a histogram (HdrHistogram's three settings)."""

    lowest_us: int
    highest_us: int
    significant_figures: int

    @property
    def sub_bucket_bits(self) -> int:
        """log2 of HdrHistogram's sub-bucket count: values below 2**bits are exact."""
        return math.ceil(math.log2(2 * 10**self.significant_figures))


RUN = Layout(1, 60_000_000, 3)
MONITOR = Layout(1, 3_600_000_000, 2)


class HistogramDecodeError(ValueError):
    """An encoded histogram (e.g. read from Redis or a run file) could not be decoded."""


def nearest_rank(percentile: float, count: int) -> int:
    """The 1-based rank of the ``percentile`` (0-100) of ``count`` values: ceil(p/100*N)."""
    exact = round(percentile * count / 100.0, 9)  # 99 * 700 / 100 is 693.0000000000001
    return min(count, max(1, math.ceil(exact)))


class LatencyHistogram:
    """Durations in ms in; counts, exact extremes and nearest-rank percentiles in ms out.

    The counts live in a dict keyed by each bucket's lowest value (a few hundred keys at
    most in practice), so reading percentiles sorts those keys instead of walking
    HdrHistogram's whole counts array in Python; hdrh makes and reads the wire form.
    """

    __slots__ = ("_buckets", "_count", "_max_us", "_min_us", "layout")

    def __init__(self, layout: Layout = RUN) -> None:
        self.layout = layout
        self._buckets: dict[int, int] = {}  # a bucket's lowest value (us) -> count
        self._count = 0
        self._min_us = layout.highest_us
        self._max_us = 0

    def _lowest(self, micros: int) -> int:
        shift = max(0, micros.bit_length() - self.layout.sub_bucket_bits)
        return micros >> shift << shift

    def _width(self, lowest: int) -> int:
        return 1 << max(0, lowest.bit_length() - self.layout.sub_bucket_bits)

    # --- recording ------------------------------------------------------------------
    def record_ms(self, duration_ms: float) -> None:
        """Record one duration (the hot path: a few integer operations and a dict add)."""
        lowest, highest = self.layout.lowest_us, self.layout.highest_us
        micros = min(max(round(duration_ms * 1000.0), lowest), highest)
        shift = max(0, micros.bit_length() - self.layout.sub_bucket_bits)
        key = micros >> shift << shift
        self._buckets[key] = self._buckets.get(key, 0) + 1
        self._count += 1
        self._min_us = min(self._min_us, micros)
        self._max_us = max(self._max_us, micros)

    def record_many_ms(self, durations_ms: Iterable[float]) -> None:
        """Record many durations at once: the same buckets as `record_ms`, with the
        extremes and count updated once. Plain Python: the service's monitor calls it, and
        the runtime imports no numpy."""
        lowest, highest = self.layout.lowest_us, self.layout.highest_us
        bits = self.layout.sub_bucket_bits
        buckets = self._buckets
        micros = [min(max(round(d * 1000.0), lowest), highest) for d in durations_ms]
        if not micros:
            return
        for value in micros:
            shift = max(0, value.bit_length() - bits)
            key = value >> shift << shift
            buckets[key] = buckets.get(key, 0) + 1
        self._count += len(micros)
        self._min_us = min(self._min_us, *micros)
        self._max_us = max(self._max_us, *micros)

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s values (exact: bucket by bucket) and extremes to this one."""
        if other.layout == self.layout:
            for key, count in other._buckets.items():
                self._buckets[key] = self._buckets.get(key, 0) + count
        else:
            for key, count in other._buckets.items():
                mine = self._lowest(key)
                self._buckets[mine] = self._buckets.get(mine, 0) + count
        self._count += other._count
        if other._count:
            self._min_us = min(self._min_us, other._min_us)
            self._max_us = max(self._max_us, other._max_us)

    def reset(self) -> None:
        self._buckets.clear()
        self._count, self._min_us, self._max_us = 0, self.layout.highest_us, 0

    # --- reading --------------------------------------------------------------------
    @property
    def count(self) -> int:
        return self._count

    @property
    def min_ms(self) -> float:
        return self._min_us / 1000.0 if self._count else 0.0

    @property
    def max_ms(self) -> float:
        return self._max_us / 1000.0 if self._count else 0.0

    @property
    def mean_ms(self) -> float:
        """The mean of the buckets' middle values (HdrHistogram's, within the resolution)."""
        if not self._count:
            return 0.0
        total = sum((k + (self._width(k) >> 1)) * c for k, c in self._buckets.items())
        return total / self._count / 1000.0

    def percentiles_ms(self, percentiles: Iterable[float]) -> dict[float, float]:
        """Nearest-rank values at ``percentiles`` (0-100) in ms, in one pass; zeros if empty."""
        wanted = list(percentiles)
        if self._count == 0:
            return dict.fromkeys(wanted, 0.0)
        by_rank = sorted(wanted, key=lambda p: nearest_rank(p, self._count))
        found: dict[float, float] = {}
        seen = 0
        for key in sorted(self._buckets):
            seen += self._buckets[key]
            top = key + self._width(key) - 1  # the bucket's highest equivalent value
            while by_rank and nearest_rank(by_rank[0], self._count) <= seen:
                found[by_rank.pop(0)] = min(max(top, self._min_us), self._max_us) / 1000.0
        return {p: found[p] for p in wanted}

    def cumulative_counts(self, bounds_ms: Iterable[float]) -> list[int]:
        """For each upper bound (ascending, ms), how many recorded values are <= it.

        A value counts under a bound when the lowest value of its bucket is at or below
        the bound (within the layout's resolution).
        """
        bounds_us = [b * 1000.0 for b in bounds_ms]
        result = [0] * len(bounds_us)
        for key, count in self._buckets.items():
            for i, bound in enumerate(bounds_us):
                if key <= bound:
                    result[i] += count
        return result

    # --- the wire -------------------------------------------------------------------
    def encode(self) -> str:
        """HdrHistogram's standard compressed base64 form (readable by any HdrHistogram;
        written by `perfkit.hdr_wire`)."""
        return hdr_wire.encode(hdr_wire.Geometry(*self.layout), self._buckets)

    @classmethod
    def decode(cls, text: str, layout: Layout = RUN) -> LatencyHistogram:
        """The histogram of an encoding, re-homed in ``layout`` (so merges stay exact);
        its extremes are the bounds of its lowest and highest slots, as hdrh reads them."""
        try:
            geometry, counts = hdr_wire.decode(text)
        except hdr_wire.WireError as exc:
            raise HistogramDecodeError(f"bad encoded histogram: {exc}") from None
        histogram = cls(layout)
        if not counts:
            return histogram
        lowest_us, highest_us = layout.lowest_us, layout.highest_us
        buckets = histogram._buckets
        for value, count in counts.items():
            key = histogram._lowest(min(max(value, lowest_us), highest_us))
            buckets[key] = buckets.get(key, 0) + count
        histogram._count = sum(counts.values())
        histogram._min_us = max(min(counts), lowest_us)
        histogram._max_us = min(geometry.highest_equivalent(max(counts)), highest_us)
        return histogram

    def with_extremes(self, min_ms: float, max_ms: float) -> LatencyHistogram:
        """This histogram, its extremes set to exact ones known elsewhere (a worker's)."""
        if self._count:
            self._min_us = round(min_ms * 1000.0)
            self._max_us = round(max_ms * 1000.0)
        return self
