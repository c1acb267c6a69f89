"""`perfkit.histogram`: exact merges, the wire, the bucket arithmetic against hdrh's own,
and nearest-rank percentiles inside [min, max] (numpy's ``inverted_cdf``)."""

from __future__ import annotations

import base64
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from perfkit import hdr_wire
from perfkit.histogram import (
    MONITOR,
    RUN,
    HistogramDecodeError,
    LatencyHistogram,
    Layout,
    nearest_rank,
)

PERCENTILES = (0.0, 1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0)


def exact_nearest_rank(samples: np.ndarray, p: float) -> float:
    """The nearest-rank percentile in exact arithmetic: numpy's ``inverted_cdf`` except
    where its float product lands just above a whole rank (p99.9 of 5000: 4995.000000001)."""
    rank = max(1, math.ceil(Fraction(str(p)) * len(samples) / 100))
    return float(np.sort(samples)[rank - 1])


def _resolution_ms(value_ms: float, layout: Layout) -> float:
    """The width of the bucket holding ``value_ms`` (the histogram's precision there)."""
    micros = max(round(value_ms * 1000.0), 1)
    return float(2 ** max(0, micros.bit_length() - layout.sub_bucket_bits)) / 1000.0


@pytest.mark.parametrize("layout", [RUN, MONITOR])
def test_histograms_merge_exactly_and_survive_the_wire(layout: Layout) -> None:
    a, b, union = LatencyHistogram(layout), LatencyHistogram(layout), LatencyHistogram(layout)
    for i in range(1, 1001):
        (a if i % 2 else b).record_ms(i)
        union.record_ms(i)
    a.merge(LatencyHistogram.decode(b.encode(), layout))
    assert a.count == 1000
    assert a.percentiles_ms([50, 99]) == union.percentiles_ms([50, 99])
    p = a.percentiles_ms([50, 95, 99])
    assert p[50] == pytest.approx(500, rel=0.01)
    assert p[99] == pytest.approx(990, rel=0.01)
    under_100, under_500, under_2000 = a.cumulative_counts([100, 500, 2000])
    assert (under_100, under_2000) == (100, 1000)
    assert under_500 == pytest.approx(500, rel=0.01)  # within the resolution
    assert LatencyHistogram.decode(a.encode(), layout).encode() == a.encode()
    with pytest.raises(HistogramDecodeError):
        LatencyHistogram.decode("not a histogram")


@pytest.mark.parametrize("layout", [RUN, MONITOR])
def test_our_buckets_are_hdrhs_buckets(layout: Layout) -> None:
    """`record_ms` keys a value by its bucket's lowest value, computed without hdrh; the
    counts it hands to hdrh must be the counts hdrh's own `record_value` makes."""
    values = [0.0, 0.0004, 0.001, 0.255, 0.256, 0.5119, 1.0, 2.047, 2.048, 3.7, 99.9]
    values += [1234.5, 4e6, 1e12] + [1.07**k / 1000 for k in range(500)]
    ours, bulk = LatencyHistogram(layout), LatencyHistogram(layout)
    reference = HdrHistogram(*layout)
    for ms in values:
        ours.record_ms(ms)
        reference.record_value(min(max(round(ms * 1000), layout.lowest_us), layout.highest_us))
    bulk.record_many_ms(values)
    expected = reference.encode()
    assert ours.encode().encode() == expected
    assert bulk.encode().encode() == expected
    assert ours.count == bulk.count == reference.get_total_count()
    assert (bulk.min_ms, bulk.max_ms) == (ours.min_ms, ours.max_ms) == (
        layout.lowest_us / 1000, layout.highest_us / 1000)  # fmt: skip


def test_nearest_rank_is_the_ceiling() -> None:
    assert [nearest_rank(p, 692) for p in (0, 50, 99, 99.9, 100)] == [1, 346, 686, 692, 692]
    assert nearest_rank(99, 700) == 693  # 99 * 700 / 100 is 693.0000000000001 in floats
    samples = np.arange(1.0, 693.0)
    assert float(np.percentile(samples, 99, method="inverted_cdf")) == 686  # numpy agrees


@pytest.mark.parametrize("layout", [RUN, MONITOR])
@pytest.mark.parametrize("size", [1, 2, 7, 100, 692, 5000])
def test_percentiles_are_the_samples_nearest_rank_within_min_and_max(
    layout: Layout, size: int
) -> None:
    rng = np.random.default_rng(size)
    samples = np.round(rng.lognormal(mean=0.0, sigma=1.2, size=size), 3)  # ms, to the us
    histogram = LatencyHistogram(layout)
    for value in samples:
        histogram.record_ms(float(value))
    reported = histogram.percentiles_ms(PERCENTILES)
    assert (histogram.min_ms, histogram.max_ms) == (samples.min(), samples.max())
    for p in PERCENTILES:
        truth = exact_nearest_rank(samples, p)
        assert histogram.min_ms <= reported[p] <= histogram.max_ms
        # the bucket's top, clamped: never below the true value, above it by < one bucket
        assert truth <= reported[p] <= truth + _resolution_ms(truth, layout), (p, truth)


def test_the_python_hdrh_would_be_one_rank_low() -> None:
    """Why the percentiles are not hdrh's: it rounds the rank (685 of 692 for p99)."""
    samples = [float(i) for i in range(1, 693)]  # exact in both layouts below 2.048 s
    histogram = LatencyHistogram(RUN)
    reference = HdrHistogram(*RUN)
    for value in samples:
        histogram.record_ms(value / 1000)
        reference.record_value(round(value))
    assert histogram.percentiles_ms([99.0])[99.0] * 1000 == 686
    assert reference.get_value_at_percentile(99.0) == 685


def test_an_empty_histogram_reads_zeros() -> None:
    empty = LatencyHistogram()
    assert empty.percentiles_ms([50.0, 99.0]) == {50.0: 0.0, 99.0: 0.0}
    assert (empty.count, empty.min_ms, empty.max_ms, empty.mean_ms) == (0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("layout", [RUN, MONITOR])
def test_our_wire_form_is_hdrhs_byte_for_byte_and_reads_hdrhs(layout: Layout) -> None:
    """`perfkit.hdr_wire` (the runtime's codec, so the runtime needs no hdrhistogram
    package) against the Python hdrh: the same text for the same counts, both ways."""
    rng = random.Random(7)
    geometry = hdr_wire.Geometry(*layout)
    for _ in range(40):
        reference, counts = HdrHistogram(*layout), {}
        for _ in range(rng.randint(0, 200)):
            value = rng.choice([rng.randint(1, 5000), rng.randint(1, layout.highest_us)])
            count = rng.choice([1, rng.randint(1, 10**12)])  # 9-byte varints too
            reference.record_value(value, count)
            key = geometry.value(geometry.index(value))
            counts[key] = counts.get(key, 0) + count
        encoded = reference.encode().decode()
        assert hdr_wire.encode(geometry, counts) == encoded
        assert hdr_wire.decode(encoded) == (geometry, counts)
        for key in counts:
            assert geometry.highest_equivalent(key) == reference.get_highest_equivalent_value(key)


@pytest.mark.parametrize(
    "text", ["", "bm90IGEgaGlzdG9ncmFt", base64.b64encode(b"\x1c\x84\x93\x14\x00\x00\x00\x05abcde")]
)
def test_a_bad_wire_form_is_a_decode_error(text: str | bytes) -> None:
    with pytest.raises(HistogramDecodeError, match="bad encoded histogram"):
        LatencyHistogram.decode(text if isinstance(text, str) else text.decode())
