"""The index file itself: a DuckDB database beside the runs, replaced whole, never edited.

``<history>/.perfkit-index.duckdb`` holds three tables: ``runs`` (one row per run file),
``figures`` (run x endpoint, a column per figure, `perfkit.runs.index_rows`) and
``skipped`` (files that are not readable runs, with the reason). A writer builds the
next version in a temporary file (a copy of the current one with the changed files' rows
replaced) and renames it over the index, under a lock file: a reader opens whichever
complete version is there and never sees a half-written one, and two writers cannot lose
each other's runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from perfkit.runs.index_rows import FIGURE_COLUMNS, FIGURES, RUN_COLUMNS

if TYPE_CHECKING:  # only a writer needs Arrow; a reader of the index does without it
    import pyarrow as pa

INDEX_NAME = ".perfkit-index.duckdb"
LOCK_NAME = ".perfkit-index.lock"
#: bumped when the tables change: an index of another version is rebuilt from the files
#: (2: a row per run x endpoint with a column per figure instead of a row per figure)
INDEX_VERSION = 2
LOCK_WAIT_S = 30.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

RUN_TYPES = {
    "started_at": "BIGINT",  # microseconds since the epoch, UTC
    "duration_s": "DOUBLE",
    "health_score": "DOUBLE",
    "size": "BIGINT",
    "mtime_ns": "BIGINT",
}
SCHEMA = [
    "CREATE TABLE meta (version INTEGER)",
    "CREATE TABLE runs ("
    + ", ".join(f"{c} {RUN_TYPES.get(c, 'VARCHAR')}" for c in RUN_COLUMNS)
    + ")",
    "CREATE TABLE figures (file VARCHAR, position INTEGER, endpoint VARCHAR, "
    + ", ".join(f'"{name}" DOUBLE' for name in FIGURES)
    + ")",
    "CREATE TABLE skipped (file VARCHAR, size BIGINT, mtime_ns BIGINT, reason VARCHAR)",
]


class IndexUnavailable(Exception):
    """The index cannot be read or written here; the caller answers from the files."""


def index_path(folder: Path) -> Path:
    return folder / INDEX_NAME


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the current index; `IndexUnavailable` when there is none
    or it is not an index of this version (foreign, corrupt, older)."""
    path = index_path(folder)
    if not path.is_file():
        raise IndexUnavailable(f"{path} does not exist")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise IndexUnavailable(f"{path} cannot be opened: {exc}") from None
    try:
        try:
            rows = con.execute("SELECT version FROM meta").fetchall()
        except duckdb.Error as exc:
            raise IndexUnavailable(f"{path} is not a perfkit index: {exc}") from None
        if [r[0] for r in rows] != [INDEX_VERSION]:
            raise IndexUnavailable(f"{path} is of another version")
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def writer_lock(folder: Path, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """The one writer of ``folder``'s index; `IndexUnavailable` when the folder is read-only
    or another writer holds the lock longer than ``wait_s``."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise IndexUnavailable(f"cannot lock {folder / LOCK_NAME}: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexUnavailable(
                        f"{folder / LOCK_NAME} is held by another writer"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


Rows = tuple["pa.Table", "pa.Table", "pa.Table"]  # runs, figures, skipped (`tables`)


def _insert(con: duckdb.DuckDBPyConnection, runs: pa.Table, figures: pa.Table,
            skipped: pa.Table) -> None:  # fmt: skip
    for name, table in (("runs", runs), ("figures", figures), ("skipped", skipped)):
        if table.num_rows:
            con.register("incoming", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
            con.unregister("incoming")


def replace_index(folder: Path, drop: list[str], batches: Iterable[Rows], *, fresh: bool) -> None:
    """The next version of the index: the current one (unless ``fresh``) without the rows of
    the files ``drop``, plus the rows of ``batches`` (inserted one batch at a time, so that
    10,000 runs are never all in memory as Python rows); written aside and renamed over it.
    The caller holds `writer_lock`."""
    path = index_path(folder)
    tmp = folder / f".perfkit-index.{uuid.uuid4().hex}.tmp"
    try:
        if not fresh:
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            if fresh:
                for statement in SCHEMA:
                    con.execute(statement)
                con.execute("INSERT INTO meta VALUES (?)", [INDEX_VERSION])
            elif drop:
                for name in ("runs", "figures", "skipped"):
                    con.execute(f"DELETE FROM {name} WHERE file IN (SELECT unnest(?))", [drop])
            for batch in batches:
                _insert(con, *batch)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except (OSError, duckdb.Error) as exc:
        raise IndexUnavailable(f"cannot write {path}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def tables(
    runs: list[dict[str, Any]], figures: list[tuple[Any, ...]], skipped: list[tuple[Any, ...]]
) -> Rows:
    """Arrow tables of rows, in the index's column order and types."""
    import pyarrow as pa  # noqa: PLC0415  (a writer's only: readers do without Arrow)

    run_cols = {c: [r[c] for r in runs] for c in RUN_COLUMNS}
    run_cols["started_at"] = [_micros(t) for t in run_cols["started_at"]]
    run_types = {"started_at": pa.int64(), "duration_s": pa.float64(), "size": pa.int64(),
                 "health_score": pa.float64(), "mtime_ns": pa.int64()}  # fmt: skip
    run_table = pa.table(
        {c: pa.array(v, run_types.get(c, pa.string())) for c, v in run_cols.items()}
    )
    figure_types = (pa.string(), pa.int32(), pa.string(), *(pa.float64() for _ in FIGURES))
    figure_table = pa.table(
        {c: pa.array([f[i] for f in figures], t)
         for i, (c, t) in enumerate(zip(FIGURE_COLUMNS, figure_types, strict=True))}
    )  # fmt: skip
    skip_types = (pa.string(), pa.int64(), pa.int64(), pa.string())
    skip_names = ("file", "size", "mtime_ns", "reason")
    skip_table = pa.table(
        {c: pa.array([s[i] for s in skipped], t)
         for i, (c, t) in enumerate(zip(skip_names, skip_types, strict=True))}
    )  # fmt: skip
    return run_table, figure_table, skip_table


def _micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
