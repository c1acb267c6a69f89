"""`perfkit bench history` end to end with tiny histories: every step measured in its own
process (the MCP call through a real server), the table renders. Figures are not asserted
(not a timed test)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from perfkit.bench.history import generate, markdown, run_bench
from perfkit.runs.catalog import Catalog


def test_generated_runs_are_new_runs_without_samples(tmp_path: Path) -> None:
    generate(tmp_path, 20)
    entries = Catalog.of(tmp_path).entries
    assert len(entries) == len({e.run_id for e in entries}) == 20
    assert all(e.samples is None for e in entries)
    assert entries == sorted(entries, key=lambda e: e.started_at)
    data = orjson.loads(entries[0].path.read_bytes())
    assert data["samples"] is None and data["kind"] == "baseline"


@pytest.mark.slow  # eight `perfkit` processes and an MCP server: 19 s at load 5, 150 s at 13
def test_every_step_is_measured_and_the_table_renders() -> None:
    steps = run_bench(12, 6, mcp_calls=2)
    names = [(s.name, s.runs) for s in steps]
    assert names == [
        ("build", 12), ("trends", 12), ("compare", 12), ("mcp compare_runs", 12),
        ("trends", 6), ("trends (every file)", 6), ("compare", 6), ("compare (every file)", 6),
    ]  # fmt: skip
    assert all(s.seconds > 0 and (s.peak_mb or 0) > 0 for s in steps)
    table = markdown(steps)
    assert table.count("\n| ") == len(steps) and "cores" in table
