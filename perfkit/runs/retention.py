"""What a local history holds (`perfkit history stats`) and keeping only its newest runs
(`perfkit history prune --keep N`, `perfkit history pull --keep N`).

Both read the index (`perfkit.runs.catalog`), never every file. Pruning removes each old
run's JSON first, then its samples and Markdown summary, so a reader never finds a run
whose files are half gone; the index then forgets them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit.errors import InputError
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry, refresh_quietly
from perfkit.runs.index_store import index_path


def run_files(entry: RunEntry) -> list[Path]:
    """The run's files: its JSON, then its samples and its Markdown summary when present."""
    stamp = entry.file.removeprefix(f"{entry.kind}-").removesuffix(".json")
    summary = entry.folder / f"{entry.kind}-summary-{stamp}.md"
    extra = [p for p in (entry.samples_path, summary) if p is not None and p.is_file()]
    return [entry.path, *extra]


def _branches(entries: list[RunEntry]) -> list[dict[str, Any]]:
    """Runs per git branch ("-": not recorded), with the newest run's start."""
    counts = Counter(e.branch or "-" for e in entries)
    newest = {e.branch or "-": e.started_at for e in entries}  # entries are oldest first
    return [
        {"branch": name, "runs": n, "newest": newest[name].isoformat()}
        for name, n in counts.most_common()
    ]


@dataclass(frozen=True)
class HistoryStats:
    folder: Path
    runs: int
    kinds: dict[str, int]
    size_bytes: int
    index_bytes: int
    oldest: str | None
    newest: str | None
    branches: list[dict[str, Any]]
    testbeds: list[dict[str, Any]]
    skipped: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "folder": str(self.folder)}


def history_stats(folder: Path) -> HistoryStats:
    """Runs, bytes on disk, oldest and newest, per branch and per testbed (the host where a
    run records no testbed)."""
    catalog = Catalog.of(folder)
    entries = catalog.entries
    size = sum(p.stat().st_size for e in entries for p in run_files(e))
    index = index_path(folder)
    testbeds = Counter(e.testbed or f"host {e.host}" for e in entries)
    return HistoryStats(
        folder=folder,
        runs=len(entries),
        kinds=dict(Counter(e.kind for e in entries)),
        size_bytes=size,
        index_bytes=index.stat().st_size if index.is_file() else 0,
        oldest=entries[0].started_at.isoformat() if entries else None,
        newest=entries[-1].started_at.isoformat() if entries else None,
        branches=_branches(entries),
        testbeds=[{"testbed": bed, "runs": n} for bed, n in testbeds.most_common()],
        skipped=len(catalog.skipped),
    )


def prune(folder: Path, keep: int) -> list[RunEntry]:
    """Remove every run of ``folder`` but the newest ``keep``; the runs removed."""
    if keep < 1:
        raise InputError(f"--keep must be at least 1 (got {keep})")
    entries = Catalog.of(folder).entries
    old = entries[: max(len(entries) - keep, 0)]
    for entry in old:
        for path in run_files(entry):
            path.unlink(missing_ok=True)
    if old:
        refresh_quietly(folder)
    return old
