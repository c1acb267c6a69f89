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

import numpy as np
from hdrh.codec import HdrCookieException, HdrHistogramSettingsException, HdrLengthException
from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 3_600_000_000
SIGNIFICANT_FIGURES = 2


class HistogramDecodeError(ValueError):
    """An encoded histogram (e.g. read from Redis) could not be decoded."""


class LatencyHistogram:
    """Durations in ms in, percentiles in ms out."""

    __slots__ = ("_counts", "_half", "_half_magnitude", "_hdr", "_mask", "_shift")

    def __init__(self) -> None:
        hdr = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        assert hdr.unit_magnitude == 0  # LOWEST_US == 1: the fast path below relies on it
        self._hdr = hdr
        self._mask = hdr.sub_bucket_mask
        self._shift = hdr.sub_bucket_half_count_magnitude + 1
        self._half_magnitude = hdr.sub_bucket_half_count_magnitude
        self._half = hdr.sub_bucket_half_count
        self._counts = np.ctypeslib.as_array(hdr.counts)  # the same memory, as an array

    def record_ms(self, duration_ms: float) -> None:
        """Record one duration: the hot path, so `HdrHistogram.record_value` is inlined.

        Six method calls and a ``bin()`` per value in the library become a bit length
        and two shifts here; `tests/measure/test_stats.py` checks the counts are
        identical to the library's own.
        """
        micros = int(duration_ms * 1000.0)
        if micros < LOWEST_US:
            micros = LOWEST_US
        elif micros > HIGHEST_US:
            micros = HIGHEST_US
        hdr = self._hdr
        bucket = (micros | self._mask).bit_length() - self._shift
        index = ((bucket + 1) << self._half_magnitude) + (micros >> bucket) - self._half
        hdr.counts[index] += 1
        hdr.total_count += 1
        if micros < hdr.min_value:  # noqa: PLR1730 (hot path: a compare, not a call)
            hdr.min_value = micros
        if micros > hdr.max_value:  # noqa: PLR1730
            hdr.max_value = micros

    def record_many_ms(self, durations_ms: list[float]) -> None:
        """Record many durations at once: `record_ms`'s arithmetic on arrays (``frexp``'s
        exponent is the bit length), then one `bincount` into the counts."""
        micros = np.clip((np.asarray(durations_ms) * 1000.0).astype(np.int64),
                         LOWEST_US, HIGHEST_US)  # fmt: skip
        bucket = np.frexp(micros | self._mask)[1].astype(np.int64) - self._shift
        index = ((bucket + 1) << self._half_magnitude) + (micros >> bucket) - self._half
        counts = self._counts
        counts += np.bincount(index, minlength=len(counts)).astype(counts.dtype)
        hdr = self._hdr
        hdr.total_count += len(micros)
        low, high = int(micros.min()), int(micros.max())
        if low < hdr.min_value:  # noqa: PLR1730
            hdr.min_value = low
        if high > hdr.max_value:  # noqa: PLR1730
            hdr.max_value = high

    @property
    def count(self) -> int:
        return int(self._hdr.get_total_count())

    def merge(self, other: LatencyHistogram) -> None:
        """Add ``other``'s counts to this histogram (exact: same layout)."""
        self._hdr.add(other._hdr)

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
