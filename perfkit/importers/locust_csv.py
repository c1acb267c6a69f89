"""Locust's `--csv PREFIX` files: a summary, not per-request timings.

``PREFIX_stats.csv`` (required) holds, per request name, the count, failures, average,
min, max, requests/s and percentiles 50 .. 100 %; ``PREFIX_stats_history.csv``
(optional) gives the run's time window and user count; ``PREFIX_failures.csv``
(optional) the failures by error, which are classed by the status or exception named in
the message. The run's precision is "summary": p50/p90/p95/p99/p99.9, mean, min and max
come from Locust, which rounds response times above 100 ms to 2 significant digits
before it takes percentiles; there is no histogram and no per-request sample, so
statistical tests are not available from a Locust summary. Without the history file the
window ends at the stats file's modification time and lasts count / (requests/s).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from perfkit.errors import InputError
from perfkit.importers.build import build_run, imported_load
from perfkit.runs.model import EndpointStats, LatencyStats, Run, Stats

_STATS = {"Type", "Name", "Request Count", "Failure Count", "Requests/s", "50%", "99%"}
_HISTORY = {"Timestamp", "User Count", "Total Request Count"}
_FAILURES = {"Method", "Name", "Error", "Occurrences"}
_PERCENTILES = {"p50_ms": "50%", "p90_ms": "90%", "p95_ms": "95%", "p99_ms": "99%",
                "p999_ms": "99.9%"}  # fmt: skip


def _rows(path: Path) -> tuple[set[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = set(reader.fieldnames or ())
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error):
        raise InputError(f"{path}: is not a CSV file") from None
    if not header:
        raise InputError(f"{path}: is empty")
    if any(None in row or None in row.values() for row in rows):
        raise InputError(f"{path}: is truncated (a row has fewer or more columns than the header)")
    return header, rows


def _number(path: Path, row: dict[str, str], column: str) -> float | None:
    text = row[column].strip()
    if text in ("", "N/A"):
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{path}: {column} of {row.get('Name')!r} is not a number") from None


def _error_class(message: str) -> str:
    status = re.search(r"\b([1-5]\d\d)\b", message)
    if status is not None:
        code = int(status[1])
        return (
            "429"
            if code == 429
            else "5xx"
            if code >= 500
            else "4xx"
            if code >= 400
            else "unexpected"
        )
    lowered = message.lower()
    if "timeout" in lowered or "timed out" in lowered:
        return "timeout"
    return "connect" if "connect" in lowered or "refused" in lowered else "protocol"


def _stats(path: Path, row: dict[str, str], seconds: float,
           by_class: Counter[str] | None) -> Stats:  # fmt: skip
    count = int(_number(path, row, "Request Count") or 0)
    failures = int(_number(path, row, "Failure Count") or 0)
    latency = LatencyStats(
        min_ms=_number(path, row, "Min Response Time"),
        mean_ms=_number(path, row, "Average Response Time"),
        max_ms=_number(path, row, "Max Response Time"),
        **{key: _number(path, row, column) for key, column in _PERCENTILES.items()},
    )
    classes = (
        dict(by_class)
        if by_class and sum(by_class.values()) == failures
        else ({"unexpected": failures} if failures else {})
    )
    return Stats(
        count=count,
        ok=count - failures,
        errors=failures,
        errors_by_class=classes,
        status_counts={},
        throughput_rps=round(count / seconds, 3) if seconds else 0.0,
        latency=latency,
        histogram="",
    )


def import_locust(files: Sequence[Path], *, target: str | None, scenario: str | None) -> Run:
    stats: tuple[Path, list[dict[str, str]]] | None = None
    history: list[dict[str, str]] = []
    failures: list[dict[str, str]] = []
    for path in files:
        header, rows = _rows(path)
        if header >= _STATS:
            stats = (path, rows)
        elif header >= _HISTORY:
            history = rows
        elif header >= _FAILURES:
            failures = rows
        elif not {"Count", "Message", "Traceback"} <= header:  # _exceptions.csv: nothing to take
            raise InputError(f"{path}: is not one of Locust's --csv files")
    if stats is None:
        raise InputError(f"no Locust _stats.csv among {', '.join(str(f) for f in files)}")
    path, rows = stats
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    if total is None:
        raise InputError(f"{path}: has no Aggregated row (is it truncated?)")
    count = _number(path, total, "Request Count") or 0
    if count == 0:
        raise InputError(f"{path}: holds no requests (Locust sent none)")
    rps = _number(path, total, "Requests/s") or 0
    warnings = []
    if history:
        stamps = [float(r["Timestamp"]) for r in history]
        start, end = min(stamps), max(stamps)
        users = max(int(float(r["User Count"] or 0)) for r in history)
    else:
        end = path.stat().st_mtime
        start, users = end - (count / rps if rps else 0.0), 0
        warnings.append("no _stats_history.csv: the time window is the stats file's mtime")
    seconds = count / rps if rps else end - start
    by_name: dict[str, Counter[str]] = {}
    for row in failures:
        by_name.setdefault(row["Name"], Counter())[_error_class(row["Error"])] += int(
            row["Occurrences"] or 0
        )
    all_classes: Counter[str] = sum(by_name.values(), Counter())
    endpoints = [
        EndpointStats(
            r["Name"],
            r["Type"] or "GET",
            r["Name"],
            "api",
            _stats(path, r, seconds, by_name.get(r["Name"])),
        )
        for r in rows
        if r["Name"] != "Aggregated"
    ]
    return build_run(
        "locust",
        files,
        started_at=datetime.fromtimestamp(start, UTC),
        finished_at=datetime.fromtimestamp(end, UTC),
        overall=_stats(path, total, seconds, all_classes),
        endpoints=endpoints,
        precision="summary",
        target=target or "locust-import",
        scenario=scenario or "locust",
        load=imported_load("locust", concurrency=users, duration_s=round(seconds, 3)),
        warnings=warnings,
    )
