"""One measured step of `perfkit bench history`, run in its own process.

``python -m perfkit.bench.history_probe STEP FOLDER`` does STEP over the history in
FOLDER and prints ``{"seconds": ...}``; the benchmark reads the process's peak RSS from
its exit (``wait4``). Steps over the index: ``build`` (index from scratch), ``trends``,
``compare`` (previous latest); the same over every file, as before the index:
``trends-files``, ``compare-files``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson

from perfkit.analysis import CompareOptions, compare_stored, stored_run_data, trends
from perfkit.analysis.indexed import compare_entries, indexed_trend_frame
from perfkit.analysis.trends import trends_of_frame
from perfkit.runs.catalog import Catalog
from perfkit.runs.history import History
from perfkit.runs.names import resolve_pair

METRICS = ("p50", "p95", "p99", "throughput", "error_rate")


def _step(step: str, folder: Path) -> None:
    if step == "build":
        Catalog.of(folder)
    elif step == "trends":
        catalog = Catalog.of(folder)
        trends_of_frame(indexed_trend_frame(catalog, catalog.baselines(), METRICS))
    elif step == "compare":
        catalog = Catalog.of(folder)
        pair = resolve_pair(catalog, "previous", "latest")
        compare_entries(catalog, pair.base, pair.candidate, CompareOptions())
    elif step == "trends-files":
        stored = History(folder).runs(kind="baseline")
        trends([stored_run_data(s, with_samples=False) for s in stored], METRICS)
    elif step == "compare-files":
        stored = History(folder).runs()
        compare_stored(stored, stored[-2], stored[-1], CompareOptions())
    else:
        raise SystemExit(f"unknown step {step!r}")


def main() -> None:
    step, folder = sys.argv[1], Path(sys.argv[2])
    start = time.perf_counter()
    _step(step, folder)
    sys.stdout.write(orjson.dumps({"seconds": time.perf_counter() - start}).decode())


if __name__ == "__main__":
    main()
