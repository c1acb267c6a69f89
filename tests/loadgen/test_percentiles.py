"""A run's percentiles are its own samples' nearest-rank percentiles (issue 12, item 6):
a real run over loopback, its samples through Parquet, every endpoint's figures checked
against numpy's ``inverted_cdf`` of what was written, to the histogram's precision."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from perfkit.histogram import RUN
from perfkit.loadgen.runner import LoadConfig, run_load
from perfkit.loadgen.scenario import parse_scenario
from perfkit.runs.model import LatencyStats
from perfkit.runs.samples import read_samples, samples_table, write_samples

SCENARIO = parse_scenario(
    {
        "name": "percentiles",
        "endpoints": [
            {"name": "ok", "path": "/ok", "weight": 3},
            {"name": "echo", "method": "POST", "path": "/echo", "json": {"a": 1}},
        ],
    },
    "test",
)
FIELDS = {
    50.0: "p50_ms", 90.0: "p90_ms", 95.0: "p95_ms", 99.0: "p99_ms", 99.9: "p999_ms",
}  # fmt: skip


def _nearest_rank(sorted_ms: np.ndarray, p: float) -> float:
    """numpy's ``inverted_cdf``, in exact arithmetic for the rank (see tests/test_histogram)."""
    return float(sorted_ms[max(1, math.ceil(Fraction(str(p)) * len(sorted_ms) / 100)) - 1])


def _bucket_ms(value_ms: float) -> float:
    micros = max(round(value_ms * 1000.0), 1)
    return float(2 ** max(0, micros.bit_length() - RUN.sub_bucket_bits)) / 1000.0


def _assert_matches(stats: LatencyStats, latencies_ms: np.ndarray) -> None:
    samples = np.sort(np.round(latencies_ms, 3))  # the histogram records whole microseconds
    assert stats.min_ms == samples[0] and stats.max_ms == samples[-1]
    for p, name in FIELDS.items():
        reported, truth = getattr(stats, name), _nearest_rank(samples, p)
        assert stats.min_ms <= reported <= stats.max_ms
        assert truth <= reported <= truth + _bucket_ms(truth) + 0.001, (name, reported, truth)


def test_a_runs_percentiles_are_its_samples_nearest_rank(status_url: str, tmp_path: Path) -> None:
    config = LoadConfig(requests=1200, duration_s=None, warmup_s=0.0, concurrency=4)
    result = run_load(status_url, SCENARIO, config)
    path = tmp_path / "samples.parquet"
    write_samples(samples_table(result.samples, [e.name for e in SCENARIO.endpoints]), path)
    table = read_samples(path)
    answered = table.filter(pc.greater(table["status"], 0))
    _assert_matches(result.overall.latency, answered["latency_ms"].to_numpy())
    for endpoint in result.endpoints:
        mine = answered.filter(pc.equal(answered["endpoint"], endpoint.name))
        assert len(mine) == endpoint.stats.count
        _assert_matches(endpoint.stats.latency, mine["latency_ms"].to_numpy())
