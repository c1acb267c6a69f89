"""Per-request samples beside a run: a Parquet file, for exact percentiles and time charts.

Columns: t_intended, t_start (seconds since the measured window began; equal in the
closed model), latency_ms (from t_intended; for a transport failure, the time until it
failed), endpoint, status (0: no response), error_class (null when ok), worker.
Rows are ordered by t_intended.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from perfkit.atomic import replacing
from perfkit.errors import InputError
from perfkit.loadgen.worker import Samples

SCHEMA = pa.schema(
    [
        ("t_intended", pa.float64()),
        ("t_start", pa.float64()),
        ("latency_ms", pa.float64()),
        ("endpoint", pa.string()),
        ("status", pa.uint16()),
        ("error_class", pa.string()),
        ("worker", pa.uint16()),
    ]
)


def samples_table(parts: Sequence[tuple[int, Samples]], endpoint_names: Sequence[str]) -> pa.Table:
    """One table from every worker's columns, ordered by intended start."""
    tables = []
    for worker, s in parts:
        tables.append(
            pa.table(
                {
                    "t_intended": pa.array(s.t_intended, pa.float64()),
                    "t_start": pa.array(s.t_start, pa.float64()),
                    "latency_ms": pa.array(s.latency_ms, pa.float64()),
                    "endpoint": pa.array([endpoint_names[i] for i in s.endpoint], pa.string()),
                    "status": pa.array(s.status, pa.uint16()),
                    "error_class": pa.array(s.error_class, pa.string()),
                    "worker": pa.array([worker] * len(s.t_intended), pa.uint16()),
                },
                schema=SCHEMA,
            )
        )
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    return table.sort_by("t_intended")


def write_samples(table: pa.Table, path: Path) -> None:
    with replacing(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def read_samples(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"samples file {path} cannot be read: {exc}") from None
    missing = set(SCHEMA.names) - set(table.column_names)
    if missing:
        raise InputError(f"samples file {path} lacks column(s) {', '.join(sorted(missing))}")
    return table
