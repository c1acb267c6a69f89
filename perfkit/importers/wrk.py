"""wrk's printed report (``wrk --latency ... > FILE``): a summary, one run per file.

From the report: the URL (the run's target unless ``--target-label``), threads and
connections, duration, request count, requests/s, latency average, max and the
``--latency`` distribution (50, 75, 90, 99 %), non-2xx/3xx responses and socket errors
(connect, read, write, timeout). The precision is "summary": p50, p90 and p99 and the
mean and max are wrk's; p95, p99.9 and min are not available from a wrk summary and stay
null; there is no histogram. The count is wrk's completed requests plus its socket
errors (which it leaves out); non-2xx/3xx responses count as "unexpected" errors, since
wrk does not split them by status. wrk prints no date: the window ends at the file's
modification time. wrk measures from the request's write to the response's end on
keep-alive connections (closed model; each connection sends its next request when the
previous one answered). wrk2's HdrHistogram output is not read (wrk2 is not packaged
for Debian or PyPI, so there is no real wrk2 output to test an importer against here).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from perfkit.errors import InputError, PerfkitError
from perfkit.importers.build import build_run, imported_load
from perfkit.loadgen.wrk import parse_wrk
from perfkit.runs.model import EndpointStats, LatencyStats, Run, Stats


def _ms(value: float) -> float:
    return round(value, 3)


def import_wrk(path: Path, *, target: str | None, scenario: str | None) -> Run:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not text (expected the output of wrk --latency)") from None
    if not text.strip():
        raise InputError(f"{path}: is empty")
    try:
        report = parse_wrk(text)
    except PerfkitError as exc:
        raise InputError(f"{path}: {exc}") from None
    sockets = report.socket_errors
    connect, read, write = (sockets.get(k, 0) for k in ("connect", "read", "write"))
    by_class = {"unexpected": report.non_2xx, "connect": connect,
                "protocol": read + write, "timeout": sockets.get("timeout", 0)}  # fmt: skip
    by_class = {k: v for k, v in by_class.items() if v}
    count = report.requests + connect + read + write
    errors = sum(by_class.values())
    seconds = report.duration_s
    latency = LatencyStats(
        mean_ms=_ms(report.mean_ms),
        max_ms=_ms(report.max_ms),
        p50_ms=_ms(report.percentile_ms(50.0)),
        p90_ms=_ms(report.percentile_ms(90.0)),
        p99_ms=_ms(report.percentile_ms(99.0)),
    )
    stats = Stats(
        count=count,
        ok=count - errors,
        errors=errors,
        errors_by_class=by_class,
        status_counts={},
        throughput_rps=report.requests_per_s,
        latency=latency,
        histogram="",
    )
    url = report.url
    path_part = re.sub(r"^https?://[^/]+", "", url) or "/"
    end = path.stat().st_mtime
    return build_run(
        "wrk",
        [path],
        started_at=datetime.fromtimestamp(end - seconds, UTC),
        finished_at=datetime.fromtimestamp(end, UTC),
        overall=stats,
        endpoints=[EndpointStats(path_part, "GET", path_part, "api", stats)],
        precision="summary",
        target=target or url,
        scenario=scenario or "wrk",
        load=imported_load(
            "wrk", concurrency=report.connections, duration_s=seconds, workers=report.threads
        ),
        warnings=["wrk prints no date: the time window ends at the file's modification time"],
    )
