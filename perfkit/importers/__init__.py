"""`perfkit import`: results files of other load tools become runs in the history.

One module per tool: `k6` (JSON or CSV points, per request), `locust_csv` (Locust's
``--csv`` summary), `wrk` (wrk's ``--latency`` report, a summary; wrk2's, a histogram),
`jmeter` (CSV .jtl, per request). `import_files` reads every file first and writes
nothing until all of them parsed, so a bad file leaves the history untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from perfkit.errors import InputError
from perfkit.runs.artifacts import ArtifactPaths, write_run
from perfkit.runs.model import Run

TOOLS = ("k6", "locust", "wrk", "wrk2", "jmeter")


def read_files(tool: str, files: Sequence[Path], *, target: str | None = None,
               scenario: str | None = None) -> list[tuple[Run, pa.Table | None]]:  # fmt: skip
    """The runs in `files` (with their samples when per request); nothing is written."""
    if tool not in TOOLS:
        raise InputError(f"unknown tool {tool!r} (use one of: {', '.join(TOOLS)})")
    if not files:
        raise InputError(f"give the {tool} file(s) to import")
    for path in files:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    if tool == "k6":
        from perfkit.importers.k6 import import_k6  # noqa: PLC0415  (each tool when asked)

        return [import_k6(files, target=target, scenario=scenario)]
    if tool == "jmeter":
        from perfkit.importers.jmeter import import_jmeter  # noqa: PLC0415

        return [import_jmeter(files, target=target, scenario=scenario)]
    if tool == "locust":
        from perfkit.importers.locust_csv import import_locust  # noqa: PLC0415

        return [(import_locust(files, target=target, scenario=scenario), None)]
    from perfkit.importers.wrk import import_wrk  # noqa: PLC0415

    return [(import_wrk(f, target=target, scenario=scenario, tool=tool), None) for f in files]


def import_files(tool: str, files: Sequence[Path], out_dir: Path, *, target: str | None = None,
                 scenario: str | None = None) -> list[ArtifactPaths]:  # fmt: skip
    """Read, then write each run (JSON, Markdown, Parquet when per request) into `out_dir`."""
    from perfkit.loadgen.baseline import run_health  # noqa: PLC0415

    runs = read_files(tool, files, target=target, scenario=scenario)
    return [
        write_run(replace(run, health=run_health(run, samples)), out_dir, samples)
        for run, samples in runs
    ]
