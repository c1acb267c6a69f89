"""`perfkit bench cache` end to end with tiny counts: every contender measured, the batch
costs one MGET, and the table renders. Figures are not asserted (not a timed test)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from perfkit.bench.cache import BenchOptions, run_bench
from perfkit.bench.cache_table import render_markdown
from perfkit.cli import app
from perfkit.connection import RedisTarget, async_client
from perfkit.errors import InputError

pytestmark = pytest.mark.anyio


@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")  # in the peers
async def test_one_run_measures_every_contender_and_leaves_no_keys(
    redis_target: RedisTarget,
) -> None:
    options = BenchOptions(ops=20, batches=10, requests=3, upstream_ms=1, rounds=2)
    result = await run_bench(redis_target, options)
    assert set(result.hit) >= {"redis-py GET", "perfkit get_or_set", "cashews get", "aiocache get"}
    assert set(result.batch) >= {"redis-py MGET", "perfkit get_many", "100 sequential GETs"}
    assert {"cashews get_many", "aiocache multi_get"} <= set(result.batch)
    assert result.batch_commands == {"mget": 1}
    assert set(result.http) == {"/uncached", "/cached"}
    table = render_markdown(result, options)
    assert table.count("\n| ") == len(result.hit) + len(result.batch) + 2
    client = async_client(redis_target)
    try:
        assert [k async for k in client.scan_iter(match="perfkit-bench:*")] == []
    finally:
        await client.aclose()


def test_bad_options_are_refused() -> None:
    with pytest.raises(InputError, match="--ops"):
        BenchOptions(ops=0)


def test_the_subcommand_is_registered() -> None:
    result = CliRunner().invoke(app, ["bench", "cache", "--help"])
    assert result.exit_code == 0
    assert "--upstream-ms" in result.output
