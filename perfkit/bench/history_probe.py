"""One measured step of `perfkit bench history`, run in its own process.

``python -m perfkit.bench.history_probe STEP FOLDER`` does STEP over the history in
FOLDER and prints ``{"seconds": ...}`` (after the step's imports); the benchmark reads the
process's peak RSS from its exit (``wait4``). Each step imports only what it uses, as
the command doing it does, since those imports are most of its memory. Steps over the
index: ``build`` (index from scratch), ``trends``, ``compare`` (previous latest); the
same over every file, as before the index: ``trends-files``, ``compare-files``.
"""

# ruff: noqa: PLC0415

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

METRICS = ("p50", "p95", "p99", "throughput", "error_rate")


def _build(folder: Path) -> Callable[[], object]:
    from perfkit.runs.catalog import Catalog

    return lambda: Catalog.of(folder)


def _trends(folder: Path) -> Callable[[], object]:
    from perfkit.analysis.indexed_trends import indexed_trends
    from perfkit.runs.catalog import Catalog

    def work() -> object:
        catalog = Catalog.of(folder)
        return indexed_trends(catalog, catalog.baselines(), METRICS)

    return work


def _compare(folder: Path) -> Callable[[], object]:
    import perfkit.analysis.adapt  # noqa: F401  (`compare_entries` imports it to decode)
    from perfkit.analysis.compare import CompareOptions
    from perfkit.analysis.indexed import compare_entries
    from perfkit.runs.catalog import Catalog
    from perfkit.runs.names import resolve_pair

    def work() -> object:
        catalog = Catalog.of(folder)
        pair = resolve_pair(catalog, "previous", "latest")
        return compare_entries(catalog, pair.base, pair.candidate, CompareOptions())

    return work


def _trends_files(folder: Path) -> Callable[[], object]:
    from perfkit.analysis import stored_run_data, trends
    from perfkit.runs.history import History

    def work() -> object:
        stored = History(folder).runs(kind="baseline")
        return trends([stored_run_data(s, with_samples=False) for s in stored], METRICS)

    return work


def _compare_files(folder: Path) -> Callable[[], object]:
    from perfkit.analysis import CompareOptions, compare_stored
    from perfkit.runs.history import History

    def work() -> object:
        stored = History(folder).runs()
        return compare_stored(stored, stored[-2], stored[-1], CompareOptions())

    return work


STEPS = {"build": _build, "trends": _trends, "compare": _compare,
         "trends-files": _trends_files, "compare-files": _compare_files}  # fmt: skip


def main() -> None:
    step, folder = sys.argv[1], Path(sys.argv[2])
    if step not in STEPS:
        raise SystemExit(f"unknown step {step!r}")
    work = STEPS[step](folder)
    start = time.perf_counter()
    work()
    sys.stdout.write(orjson.dumps({"seconds": time.perf_counter() - start}).decode())


if __name__ == "__main__":
    main()
