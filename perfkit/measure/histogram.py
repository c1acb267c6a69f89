"""A mergeable latency histogram: HdrHistogram in microseconds, read in milliseconds.

Two significant figures (1 % relative error) from 1 us to one hour keep one histogram at
about 26 KB, so a monitor with a capped number of routes stays small. Durations above
an hour are recorded as one hour. Histograms from several workers merge exactly
(`merge`), and travel as HdrHistogram's standard compressed base64 form (`encode`).
"""

from __future__ import annotations

import binascii
import zlib
from collections.abc import Iterable

from hdrh.codec import HdrCookieException, HdrHistogramSettingsException, HdrLengthException
from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
SIGNIFICANT_FIGURES = 2


class HistogramDecodeError(ValueError):
    """An encoded histogram (e.g. read from Redis) could not be decoded."""


class LatencyHistogram:
    """Durations in ms in, percentiles in ms out."""

    __slots__ = ("_hdr",)

    def __init__(self, hdr: HdrHistogram | None = None) -> None:
        self._hdr = (
            hdr if hdr is not None else HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        )

    def record_ms(self, duration_ms: float) -> None:
        micros = min(max(int(duration_ms * 1000.0), LOWEST_US), HIGHEST_US)
        self._hdr.record_value(micros)

    @property
    def count(self) -> int:
        return int(self._hdr.get_total_count())

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s counts to this histogram (exact: same layout)."""
        self._hdr.add(other._hdr)

    def copy(self) -> LatencyHistogram:
        clone = LatencyHistogram()
        clone.merge(self)
        return clone

    def percentiles_ms(self, percentiles: Iterable[float]) -> dict[float, float]:
        """Values at ``percentiles`` (0-100) in ms, in one pass; zeros when empty."""
        wanted = list(percentiles)
        if self.count == 0:
            return dict.fromkeys(wanted, 0.0)
        values = self._hdr.get_percentile_to_value_dict(wanted)
        return {p: values[p] / 1000.0 for p in wanted}

    def cumulative_counts(self, bounds_ms: Iterable[float]) -> list[int]:
        """For each upper bound (ascending, ms), how many recorded values are <= it.

        A value counts under a bound when the lowest value of its HdrHistogram bucket is
        at or below the bound (within the histogram's 1 % resolution).
        """
        bounds_us = [b * 1000.0 for b in bounds_ms]
        result = [0] * len(bounds_us)
        for item in self._hdr.get_recorded_iterator():
            value = self._hdr.get_lowest_equivalent_value(item.value_iterated_to)
            for i, bound in enumerate(bounds_us):
                if value <= bound:
                    result[i] += item.count_at_value_iterated_to
        return result

    def encode(self) -> str:
        encoded: bytes = self._hdr.encode()
        return encoded.decode("ascii")

    @classmethod
    def decode(cls, text: str) -> LatencyHistogram:
        try:
            hdr = HdrHistogram.decode(text.encode("ascii"))
        except (
            ValueError,
            TypeError,
            IndexError,
            zlib.error,
            binascii.Error,
            HdrCookieException,
            HdrLengthException,
            HdrHistogramSettingsException,
        ) as exc:
            raise HistogramDecodeError(f"bad encoded histogram: {exc}") from None
        # Re-home the values in our layout, so later merges are exact and fast.
        histogram = cls()
        histogram._hdr.add(hdr)
        return histogram
