"""JMeter's CSV results (`jmeter -n -t plan.jmx -l results.jtl`, CSV with a header row).

One row per sample: ``timeStamp`` (start, ms since the epoch), ``elapsed`` (ms, from just
before sending to the last byte received; it includes connecting when the sampler opened
a new connection), ``label`` (the endpoint), ``responseCode``, ``success`` and, when
saved, ``URL``. The precision is "per-request" at JMeter's whole-millisecond
resolution. A failed sample without a numeric code (``Non HTTP response code: ...``) is
classed by its exception: timeout, connect, else protocol. JMeter's CSV does not record
the method, so endpoints show "?" as their method. XML .jtl files are refused.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa

from perfkit.errors import InputError
from perfkit.importers.build import imported_load, run_from_timings
from perfkit.importers.timings import Timings
from perfkit.loadgen.engines import classify_status
from perfkit.runs.model import Run

_REQUIRED = {"timeStamp", "elapsed", "label", "responseCode", "success"}
_HEADER = "timeStamp,elapsed,label,...,success"


def _failure_class(code: str, message: str) -> str:
    text = f"{code} {message}".lower()
    if "timeout" in text or "timed out" in text:
        return "timeout"
    return "connect" if "connect" in text or "refused" in text else "protocol"


def _read(path: Path, timings: Timings) -> tuple[str | None, int]:
    """Add the file's samples; returns (a URL seen, the most threads active)."""
    url, threads = None, 0
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            if handle.read(1) == "<":
                raise InputError(
                    f"{path}: is an XML .jtl; save CSV (jmeter.save.saveservice.output_format=csv)"
                )
            handle.seek(0)
            reader = csv.DictReader(handle)
            if not set(reader.fieldnames or ()) >= _REQUIRED:
                raise InputError(f"{path}: not a JMeter CSV .jtl (no {_HEADER} header row)")
            for number, row in enumerate(reader, 2):
                if None in row or None in row.values():
                    raise InputError(f"{path}: row {number} is truncated")
                try:
                    start, elapsed = int(row["timeStamp"]) / 1000.0, float(row["elapsed"])
                except ValueError:
                    raise InputError(
                        f"{path}: row {number} has no number in timeStamp/elapsed"
                    ) from None
                code = row["responseCode"]
                status = int(code) if code.isdigit() else 0
                if row["success"] == "true":
                    error = None
                elif status:
                    error = classify_status(status, frozenset()) or "unexpected"
                else:
                    error = _failure_class(code, row.get("responseMessage", ""))
                full = row.get("URL") or ""
                url = url or full or None
                index = timings.endpoint(row["label"], "?", urlsplit(full).path or row["label"])
                timings.record(index, start, elapsed, status, error)
                threads = max(threads, int(row.get("allThreads") or 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, csv.Error):
        raise InputError(f"{path}: is not a CSV file") from None
    return url, threads


def import_jmeter(files: Sequence[Path], *, target: str | None,
                  scenario: str | None) -> tuple[Run, pa.Table]:  # fmt: skip
    """One run from one or more .jtl files (several JMeter instances of one test)."""
    timings, url, threads = Timings(), None, 0
    for path in files:
        if path.is_file() and path.stat().st_size == 0:
            raise InputError(f"{path}: is empty")
        before = len(timings)
        seen_url, seen_threads = _read(path, timings)
        if len(timings) == before:
            raise InputError(f"{path}: holds no samples")
        url, threads = url or seen_url, max(threads, seen_threads)
    base = None if url is None else f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    return run_from_timings(
        "jmeter",
        files,
        timings,
        target=target or base or "jmeter-import",
        scenario=scenario or "jmeter",
        load=imported_load("jmeter", concurrency=threads, workers=len(files)),
        warnings=["JMeter records whole milliseconds: percentiles are at 1 ms resolution"],
    )
