"""wrk's and wrk2's printed reports (``wrk|wrk2 --latency ... > FILE``), one run per file.

From the report: the URL (the run's target unless ``--target-label``), threads and
connections, duration, request count, requests/s, latency average and max, non-2xx/3xx
responses and socket errors (connect, read, write, timeout). The count is the completed
requests plus the socket errors (which the tools leave out); non-2xx/3xx responses count
as "unexpected" errors, since neither tool splits them by status. Neither prints a date:
the window ends at the file's modification time.

- wrk: precision "summary". p50, p90 and p99 are its ``--latency`` distribution; p95,
  p99.9 and min are not available from a wrk summary and stay null; no histogram. wrk
  measures from a request's write to the response's end on keep-alive connections
  (closed model).
- wrk2: precision "histogram". Its recorded HdrHistogram, printed as a percentile
  spectrum, is rebuilt into the run's histogram (each step's requests at the step's
  value), so every percentile is there, each at most one printed step above the exact
  one; mean and max are wrk2's exact figures. wrk2 counts from each request's intended
  send time at its fixed rate (open model, coordinated omission corrected); its histogram
  leaves out the calibration period (the first 10 s) and the responses that end the run,
  so it may hold fewer requests than the run's count (a warning says how many).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from perfkit.errors import InputError, PerfkitError
from perfkit.histogram import RUN, LatencyHistogram
from perfkit.importers.build import build_run, imported_load
from perfkit.loadgen.wrk import Spectrum, WrkResult, parse_wrk
from perfkit.runs.histogram import latency_stats
from perfkit.runs.model import EndpointStats, LatencyStats, Run, Stats

_NO_DATE = "{tool} prints no date: the time window ends at the file's modification time"


def _ms(value: float) -> float:
    return round(value, 3)


def import_wrk(path: Path, *, target: str | None, scenario: str | None,
               tool: str = "wrk") -> Run:  # fmt: skip
    """``path`` as a run; with ``tool="wrk2"`` the file must hold wrk2's histogram.

    A wrk2 report given as "wrk" is read as wrk2's (its histogram is the better record).
    """
    report = _read_report(path, tool)
    spectrum = report.spectrum
    by_class, socket_failures = _failures(report)
    if spectrum is None:
        latency, histogram = _summary_latency(report), ""
    else:
        latency, histogram = _spectrum_latency(spectrum)
    count = report.requests + socket_failures
    errors = sum(by_class.values())
    stats = Stats(
        count=count,
        ok=count - errors,
        errors=errors,
        errors_by_class=by_class,
        status_counts={},
        throughput_rps=report.requests_per_s,
        latency=latency,
        histogram=histogram,
    )
    name = "wrk" if spectrum is None else "wrk2"
    path_part = re.sub(r"^https?://[^/]+", "", report.url) or "/"
    end, seconds = path.stat().st_mtime, report.duration_s
    return build_run(
        name,
        [path],
        started_at=datetime.fromtimestamp(end - seconds, UTC),
        finished_at=datetime.fromtimestamp(end, UTC),
        overall=stats,
        endpoints=[EndpointStats(path_part, "GET", path_part, "api", stats)],
        precision="summary" if spectrum is None else "histogram",
        target=target or report.url,
        scenario=scenario or name,
        load=imported_load(
            name, concurrency=report.connections, duration_s=seconds, workers=report.threads
        ),
        warnings=[_NO_DATE.format(tool=name), *_calibration_note(report)],
    )


def _read_report(path: Path, tool: str) -> WrkResult:
    expected = f"the output of {tool} --latency"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not text (expected {expected})") from None
    if not text.strip():
        raise InputError(f"{path}: is empty")
    try:
        report = parse_wrk(text)
    except PerfkitError as exc:
        raise InputError(f"{path}: {exc}") from None
    if tool == "wrk2" and report.spectrum is None:
        raise InputError(f"{path}: no HdrHistogram spectrum (expected {expected}; "
                         "for wrk's own report use `perfkit import wrk`)")  # fmt: skip
    return report


def _failures(report: WrkResult) -> tuple[dict[str, int], int]:
    """Errors by class, and the socket failures the tool's request count leaves out."""
    sockets = report.socket_errors
    connect, read, write = (sockets.get(k, 0) for k in ("connect", "read", "write"))
    by_class = {"unexpected": report.non_2xx, "connect": connect,
                "protocol": read + write, "timeout": sockets.get("timeout", 0)}  # fmt: skip
    return {k: v for k, v in by_class.items() if v}, connect + read + write


def _summary_latency(report: WrkResult) -> LatencyStats:
    return LatencyStats(
        mean_ms=_ms(report.mean_ms),
        max_ms=_ms(report.max_ms),
        p50_ms=_ms(report.percentile_ms(50.0)),
        p90_ms=_ms(report.percentile_ms(90.0)),
        p99_ms=_ms(report.percentile_ms(99.0)),
    )


def _spectrum_latency(spectrum: Spectrum) -> tuple[LatencyStats, str]:
    """The latency stats and the encoded histogram of the requests in the spectrum."""
    values = [value for value, _ in spectrum.rows]
    totals = np.array([total for _, total in spectrum.rows])
    steps = np.diff(totals, prepend=0)
    histogram = LatencyHistogram(RUN)
    histogram.record_many_ms(np.repeat(values, steps).tolist())
    histogram.with_extremes(values[0], spectrum.max_ms)
    latency = dataclasses.replace(latency_stats(histogram), mean_ms=_ms(spectrum.mean_ms))
    return latency, histogram.encode()


def _calibration_note(report: WrkResult) -> list[str]:
    spectrum = report.spectrum
    if spectrum is None or spectrum.total >= report.requests:
        return []
    return [f"wrk2's histogram holds {spectrum.total:,} of the {report.requests:,} requests (it "
            "leaves out its calibration period and the responses that end the run)"]  # fmt: skip
