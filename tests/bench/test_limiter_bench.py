"""`perfkit bench limiter`: the sync per-call path measured interleaved with raw EVALSHA."""

from __future__ import annotations

from perfkit.bench.limiter import BenchResult, _interleaved_sync, markdown
from perfkit.connection import Keyspace, RedisTarget


def test_the_interleaved_sync_ratio_is_measured_and_reported(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    ratios = _interleaved_sync(redis_target, keyspace, seconds=0.2, rounds=2)
    assert len(ratios) == 2 and all(r > 0 for r in ratios)
    result = BenchResult(rates={"raw EVALSHA (trivial)": {"sync, 1 key": 1000.0}},
                         sync_ratios=[0.8, 0.9, 1.0])  # fmt: skip
    assert "perfkit gcra at **0.90x** raw EVALSHA" in markdown(result)
    assert "range 0.80-1.00" in markdown(result)
