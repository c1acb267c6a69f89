"""Imported measurements become `Run`s: with per-request timings, or a tool's summary.

An imported run records its source (tool, "imported", the file names) and precision.
What a tool did not report stays unknown: load settings it did not print are 0 or null,
a summary's missing percentiles are null and its histogram is empty, and the
environment is the importing machine's (the generator's is not in the files).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from perfkit.importers.timings import Timings
from perfkit.runs.environment import capture_environment
from perfkit.runs.model import (
    EndpointStats,
    GeneratorStats,
    LoadSettings,
    Precision,
    Run,
    RunSource,
    Stats,
)


def imported_load(tool: str, *, concurrency: int = 0, duration_s: float | None = None,
                  workers: int = 1) -> LoadSettings:  # fmt: skip
    """Load settings as far as a file tells them: 0 / null where it does not."""
    return LoadSettings(
        model="closed",
        concurrency=concurrency,
        rate=None,
        duration_s=duration_s,
        requests=None,
        warmup_s=0.0,
        timeout_s=0.0,
        workers=workers,
        engine=tool,
    )


def build_run(
    tool: str,
    files: Sequence[Path],
    *,
    started_at: datetime,
    finished_at: datetime,
    overall: Stats,
    endpoints: list[EndpointStats],
    precision: Precision,
    target: str,
    scenario: str,
    load: LoadSettings,
    warnings: Sequence[str] = (),
) -> Run:
    return Run(
        run_id=f"{started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        kind="baseline",
        started_at=started_at,
        finished_at=finished_at,
        target=target,
        target_url=target if target.startswith(("http://", "https://")) else "",
        scenario=scenario,
        load=load,
        environment=capture_environment(),
        generator=GeneratorStats(
            engine=tool,
            workers=load.workers,
            cpu_seconds=0.0,
            cpu_utilisation=0.0,
            send_lag_p99_ms=0.0,
            saturated=False,
        ),
        overall=overall,
        endpoints=endpoints,
        warnings=list(warnings),
        source=RunSource(tool=tool, mode="imported", files=tuple(f.name for f in files)),
        precision=precision,
    )


def run_from_timings(
    tool: str,
    files: Sequence[Path],
    timings: Timings,
    *,
    target: str,
    scenario: str,
    load: LoadSettings,
    warnings: Sequence[str] = (),
) -> tuple[Run, pa.Table]:
    """A per-request run and its samples table."""
    measured = timings.result()
    run = build_run(
        tool,
        files,
        started_at=measured.started_at,
        finished_at=measured.finished_at,
        overall=measured.overall,
        endpoints=measured.endpoints,
        precision="per-request",
        target=target,
        scenario=scenario,
        load=load,
        warnings=warnings,
    )
    return run, measured.samples_table()
