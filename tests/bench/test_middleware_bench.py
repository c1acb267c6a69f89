"""`perfkit bench middleware`: bad input, and one short real run."""

from __future__ import annotations

import shutil

import pytest

from perfkit.bench.middleware import BenchOptions, markdown_table, run_bench
from perfkit.errors import InputError


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (BenchOptions(app="no_colon"), "module:factory"),
        (BenchOptions(app="perfkit.nope:create_app"), "cannot import"),
        (BenchOptions(app="perfkit.bench.middleware_app:missing"), "no callable"),
        (BenchOptions(path="api"), "start with '/'"),
        (BenchOptions(rounds=0), "positive"),
        (BenchOptions(tool="ab"), "wrk, httpx or auto"),
    ],
)
def test_bad_options_are_input_errors(options: BenchOptions, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_bench(options)


@pytest.mark.parametrize("tool", ["wrk", "httpx"])
def test_a_short_side_by_side_run(tool: str) -> None:
    if tool == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed")
    options = BenchOptions(duration_s=1.0, rounds=2, warmup_s=0.5, connections=4, tool=tool)
    result = run_bench(options)
    assert result.tool == tool
    for variant in ("without", "with"):
        assert len(result.rounds[variant]) == 2
        assert all(r.requests_per_s > 0 for r in result.rounds[variant])
        assert all(r.server_cpu_us and r.server_cpu_us > 0 for r in result.rounds[variant])
        assert all(
            r.p50_ms is not None and r.p50_ms <= (r.p99_ms or 0) for r in result.rounds[variant]
        )
    assert result.overhead < 1.0  # 1 s rounds on a busy machine: any sign, never a total loss
    assert result.cpu_overhead is not None
    table = markdown_table(result)
    assert "| with the perfkit stack |" in table and "Throughput cost" in table
