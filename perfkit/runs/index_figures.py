"""The figures of some runs, read from the index column-wise into numpy arrays.

A trend over 10,000 runs reads 110,000 run x endpoint rows: as numpy columns (and no
Arrow table, pandas frame or Python object per figure) they take a few megabytes, and a
reader of the index imports neither Arrow nor pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
from numpy.typing import NDArray

from perfkit.runs.index_rows import FIGURES


@dataclass(frozen=True)
class Figures:
    """Run x endpoint rows ordered by run, then the endpoint's place in the run: ``run``
    (the run's rank, given by the caller), ``position`` (0: overall), ``endpoint`` (its
    name) and ``values`` (a column per `FIGURES`, NaN where the run does not know it; a
    recorded figure is never NaN, the index leaves those out)."""

    run: NDArray[np.int64]
    position: NDArray[np.int64]
    endpoint: NDArray[np.object_]
    values: dict[str, NDArray[np.float64]]

    @classmethod
    def empty(cls) -> Figures:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object),
                   {name: np.empty(0, np.float64) for name in FIGURES})  # fmt: skip

    @classmethod
    def joined(cls, parts: Sequence[Figures]) -> Figures:
        """The rows of ``parts`` (e.g. one per history folder) in one, ordered again."""
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls.empty()
        run = np.concatenate([p.run for p in parts])
        position = np.concatenate([p.position for p in parts])
        order = np.lexsort((position, run))
        endpoint = np.concatenate([p.endpoint for p in parts])
        values = {n: np.concatenate([p.values[n] for p in parts])[order] for n in FIGURES}
        return cls(run[order], position[order], endpoint[order], values)

    def __len__(self) -> int:
        return int(self.run.size)


def figures_query(
    con: duckdb.DuckDBPyConnection, files: list[str], ranks: Sequence[int]
) -> Figures:
    """The rows of the run files ``files`` from the ``figures`` table of ``con``, each run
    numbered by its rank in ``ranks`` (one per file)."""
    if not files:
        return Figures.empty()
    values = ", ".join(f'coalesce(f."{name}", \'NaN\'::DOUBLE) AS "{name}"' for name in FIGURES)
    found = con.execute(
        f"SELECT w.rank, f.position, f.endpoint, {values} FROM figures f "
        "JOIN (SELECT unnest(?) AS file, unnest(?) AS rank) w ON f.file = w.file "
        "ORDER BY w.rank, f.position",
        [files, list(ranks)],
    ).fetchnumpy()
    return Figures(
        np.asarray(found["rank"], np.int64),
        np.asarray(found["position"], np.int64),
        np.asarray(found["endpoint"], object),
        {name: np.asarray(found[name], np.float64) for name in FIGURES},
    )
