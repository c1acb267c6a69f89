"""The history index: what every run file of a folder says, answered without reading them.

The JSON run files stay the truth; the index (`perfkit.runs.index_store`) is a cache of
their run-level rows. Every read lists the folder's ``*.json`` names with their sizes and
modification times (a few milliseconds for 10,000 files) and compares them with the
index: files added, removed or changed behind its back are (re)read, and only they. A
folder that cannot be written (a shipped or read-only history), or whose index another
writer holds too long, is answered from an index built in memory: slower, never wrong.

A file that is not a readable run (corrupt JSON, another program's JSON, a schema this
perfkit does not read) is skipped with one warning naming it, as `History` does.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import orjson

from perfkit.errors import InputError
from perfkit.runs.history import read_run
from perfkit.runs.index_figures import Figures, figures_query
from perfkit.runs.index_rows import COMPARABLE_LOAD, RUN_COLUMNS, FileStamp, figure_rows, run_row
from perfkit.runs.index_store import (
    EPOCH,
    IndexUnavailable,
    Rows,
    index_path,
    reading,
    replace_index,
    tables,
    writer_lock,
)

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("perfkit.runs.index")
#: the last snapshot of each folder in this process, reused while its listing is the same
#: (a long-lived reader such as the MCP server then pays one ``scandir`` per question)
_recent: dict[Path, tuple[dict[str, FileStamp], Snapshot]] = {}
_recent_lock = threading.Lock()
OnSkip = Callable[[Path, str], None]
#: run files read and inserted into the index at a time when it is (re)built
BATCH = 500
#: columns whose few distinct values are shared by every run's entry (10,000 entries)
_SHARED_TEXT = ("kind", "branch", "target", "scenario", "testbed", "host", "origin")


@dataclass(frozen=True, slots=True)
class RunEntry:
    """One run as the index knows it: enough to name, filter, order and compare it.

    ``load`` is shared by every entry of the same load settings: read it, never change it."""

    folder: Path
    file: str
    run_id: str
    kind: str
    started_at: datetime
    branch: str | None
    commit: str | None
    ci_job_url: str | None
    target: str
    scenario: str
    testbed: str | None
    host: str
    load: Mapping[str, Any]
    duration_s: float
    origin: str | None
    session: str | None
    samples: str | None
    health_score: float | None
    size: int
    mtime_ns: int
    load_key: str  # the comparable part of the load, as `RunData.comparable_key` writes it

    @property
    def path(self) -> Path:
        return self.folder / self.file

    @property
    def samples_path(self) -> Path | None:
        return None if self.samples is None else self.folder / self.samples


def listing(folder: Path) -> dict[str, FileStamp]:
    """The folder's run files by name, with size and mtime (one ``scandir``)."""
    found: dict[str, FileStamp] = {}
    if not folder.is_dir():
        return found
    with os.scandir(folder) as entries:
        for e in entries:
            if e.name.endswith(".json") and not e.name.startswith(".") and e.is_file():
                st = e.stat()
                found[e.name] = FileStamp(e.name, st.st_size, st.st_mtime_ns)
    return found


@dataclass
class Snapshot:
    """The runs of one folder, oldest first, and where their figures are read from."""

    folder: Path
    entries: list[RunEntry]
    skipped: list[tuple[Path, str]]
    in_memory: pa.Table | None = None  # the figures when the index could not be written
    notes: list[str] = field(default_factory=list)

    def figures(self, entries: Sequence[RunEntry], ranks: Sequence[int]) -> Figures:
        """The figures of ``entries`` (runs of this folder), each run's rows numbered by its
        rank in ``ranks`` (`perfkit.runs.index_figures.Figures`)."""
        files = [e.file for e in entries]
        if self.in_memory is not None:
            return _query_table(self.in_memory, files, ranks)
        try:
            with reading(self.folder) as con:
                return figures_query(con, files, ranks)
        except IndexUnavailable as exc:  # replaced by something unreadable since: the files
            log.warning("index of %s unreadable (%s): reading the runs' files", self.folder, exc)
            stamps = [FileStamp.of(self.folder / name) for name in files]
            _, figures, _ = tables(*_read_files(self.folder, stamps))
            return _query_table(figures, files, ranks)


def _query_table(figures: pa.Table, files: list[str], ranks: Sequence[int]) -> Figures:
    con = duckdb.connect()
    try:
        con.register("figures", figures)
        return figures_query(con, files, ranks)
    finally:
        con.close()


def _entry(folder: Path, row: Sequence[Any]) -> RunEntry:
    values = dict(zip(RUN_COLUMNS, row, strict=True))
    values["started_at"] = EPOCH + timedelta(microseconds=values["started_at"])
    values["load"], values["load_key"] = _load(values["load"])
    for name in _SHARED_TEXT:
        if values[name] is not None:
            values[name] = sys.intern(values[name])
    return RunEntry(folder=folder, **values)


@lru_cache(maxsize=4096)
def _load(load_json: str) -> tuple[Mapping[str, Any], str]:
    """A load as the index stores it, read, and its `RunEntry.load_key`: a history holds a
    few distinct loads, so each is read and keyed once, not once per run."""
    load = orjson.loads(load_json)
    return load, ",".join(f"{k}={load.get(k)}" for k in sorted(COMPARABLE_LOAD))


def _read_files(
    folder: Path, stamps: Iterable[FileStamp]
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    runs, figures, skipped = [], [], []
    for stamp in stamps:
        path = folder / stamp.name
        try:
            run = read_run(path)
        except InputError as exc:
            skipped.append((stamp.name, stamp.size, stamp.mtime_ns,
                            str(exc).removeprefix(f"{path}: ")))  # fmt: skip
            continue
        runs.append(run_row(run, stamp))
        figures.extend(figure_rows(run, stamp.name))
    return runs, figures, skipped


def _batches(folder: Path, stamps: Sequence[FileStamp]) -> Iterator[Rows]:
    """The rows of ``stamps``' files, `BATCH` files at a time."""
    for start in range(0, len(stamps), BATCH):
        yield tables(*_read_files(folder, stamps[start : start + BATCH]))


class HistoryIndex:
    """The index of the runs in ``folder`` (see the module docstring)."""

    def __init__(self, folder: Path, on_skip: OnSkip | None = None) -> None:
        self.folder = folder
        self._on_skip = on_skip

    def _known(self) -> dict[str, tuple[int, int]] | None:
        """file -> (size, mtime_ns) of every file the index knows, None without an index."""
        try:
            with reading(self.folder) as con:
                rows = con.execute(
                    "SELECT file, size, mtime_ns FROM runs UNION ALL "
                    "SELECT file, size, mtime_ns FROM skipped"
                ).fetchall()
        except IndexUnavailable:
            return None
        return {file: (size, mtime) for file, size, mtime in rows}

    def refresh(self) -> bool:
        """Bring the index file up to date with the folder; False when it cannot be written
        here (the readers then build one in memory)."""
        try:
            with writer_lock(self.folder):
                files = listing(self.folder)
                known = self._known()
                stale = [s for n, s in files.items()
                         if known is None or known.get(n) != (s.size, s.mtime_ns)]  # fmt: skip
                drop = [n for n in (known or {}) if n not in files or n in {s.name for s in stale}]
                if known is not None and not stale and not drop:
                    return True
                replace_index(self.folder, drop, _batches(self.folder, stale), fresh=known is None)
                return True
        except IndexUnavailable as exc:
            log.debug("index of %s not written: %s", self.folder, exc)
            return False

    def _fresh_snapshot(self, files: dict[str, FileStamp]) -> Snapshot | None:
        try:
            with reading(self.folder) as con:
                rows = con.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs").fetchall()
                skipped = con.execute("SELECT file, size, mtime_ns, reason FROM skipped").fetchall()
        except IndexUnavailable:
            return None
        known = {r[0]: (r[-2], r[-1]) for r in rows} | {s[0]: (s[1], s[2]) for s in skipped}
        if known != {n: (s.size, s.mtime_ns) for n, s in files.items()}:
            return None
        entries = [_entry(self.folder, r) for r in rows]
        bad = [(self.folder / s[0], s[3]) for s in skipped]
        return Snapshot(self.folder, _ordered(entries), bad)

    def _memory_snapshot(self, files: dict[str, FileStamp]) -> Snapshot:
        runs, figures, skipped = _read_files(self.folder, files.values())
        run_table, figure_table, _ = tables(runs, figures, skipped)
        columns = run_table.to_pydict().values()
        entries = [_entry(self.folder, row) for row in zip(*columns, strict=True)]
        return Snapshot(self.folder, _ordered(entries),
                        [(self.folder / s[0], s[3]) for s in skipped], figure_table)  # fmt: skip

    def snapshot(self) -> Snapshot:
        """Every readable run of the folder, oldest first, from an index that is up to date."""
        files = listing(self.folder)
        key = self.folder.resolve()
        with _recent_lock:
            recent = _recent.get(key)
        found = recent[1] if recent is not None and recent[0] == files else None
        if found is None:
            found = self._fresh_snapshot(files)
        if found is None and files and self.refresh():
            files = listing(self.folder)
            found = self._fresh_snapshot(files)
        if found is None:  # read-only folder, a writer holding on, or files still changing
            found = self._memory_snapshot(files)
        with _recent_lock:
            _recent[key] = (files, found)
        for path, reason in found.skipped:
            if self._on_skip is not None:
                self._on_skip(path, reason)
            else:
                log.warning("skipped %s: %s", path, reason)
        return found


def _ordered(entries: list[RunEntry]) -> list[RunEntry]:
    return sorted(entries, key=lambda e: (e.started_at, e.file))


def refresh_quietly(folder: Path) -> None:
    """Keep ``folder``'s index up to date after runs were written, pulled or imported there.

    Only an index that exists is updated (the first reader builds one: a load run never
    waits for a history it does not read), and a run is written whether or not its index
    can be: the next reader catches up."""
    if index_path(folder).is_file():
        HistoryIndex(folder).refresh()


def entry_of_file(path: Path) -> RunEntry:
    """The entry of a run file outside any index (``perfkit compare ../other/run.json``)."""
    run_table, _, _ = tables([run_row(read_run(path), FileStamp.of(path))], [], [])
    return _entry(path.parent, next(zip(*run_table.to_pydict().values(), strict=True)))
