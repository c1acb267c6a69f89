"""Write a run's artifacts, each atomically: samples, then Markdown, then the JSON.

Names: ``<kind>-<UTC ts>.json`` and ``<kind>-summary-<UTC ts>.md``, plus
``<kind>-<UTC ts>.samples.parquet``. The JSON is written last: a reader that sees it sees
the files it refers to. A failure removes what this call already wrote.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa

from perfkit.atomic import write_bytes
from perfkit.errors import InputError
from perfkit.paths import RUNS_DIR
from perfkit.runs.index import refresh_quietly
from perfkit.runs.model import Run, SamplesRef
from perfkit.runs.samples import write_samples
from perfkit.runs.summary import render_summary

DEFAULT_DIR = RUNS_DIR


@dataclass(frozen=True)
class ArtifactPaths:
    run: Run  # as written: `samples` points at the Parquet file
    json: Path
    summary: Path
    samples: Path | None


def _free_stamp(out_dir: Path, run: Run) -> str:
    stamp = run.started_at.strftime("%Y-%m-%dT%H-%M-%SZ")
    candidate, n = stamp, 1
    while (out_dir / f"{run.kind}-{candidate}.json").exists():
        candidate, n = f"{stamp}-{n}", n + 1
    return candidate


def write_run(
    run: Run, out_dir: Path = DEFAULT_DIR, samples: pa.Table | None = None
) -> ArtifactPaths:
    """Write the run (and its samples when given); returns the paths written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
    stamp = _free_stamp(out_dir, run)
    json_path = out_dir / f"{run.kind}-{stamp}.json"
    summary_path = out_dir / f"{run.kind}-summary-{stamp}.md"
    samples_path = out_dir / f"{run.kind}-{stamp}.samples.parquet" if samples is not None else None
    if samples is not None and samples_path is not None:
        run = dataclasses.replace(
            run, samples=SamplesRef(samples_path.name, "parquet", samples.num_rows)
        )
    written: list[Path] = []
    try:
        if samples is not None and samples_path is not None:
            write_samples(samples, samples_path)
            written.append(samples_path)
        write_bytes(summary_path, render_summary(run).encode())
        written.append(summary_path)
        write_bytes(json_path, orjson.dumps(run.to_dict(), option=orjson.OPT_INDENT_2))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    refresh_quietly(out_dir)  # the folder's history index, when it has one, learns of it now
    return ArtifactPaths(run, json_path, summary_path, samples_path)
