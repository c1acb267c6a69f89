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
from perfkit.loadgen.wrk import latency_ms, parse_wrk
from perfkit.runs.model import EndpointStats, LatencyStats, Run, Stats

_LATENCY = r"^\s+Latency\s+([\d.]+)(us|ms|s|m)\s+\S+\s+([\d.]+)(us|ms|s|m)"


def _find(pattern: str, text: str, path: Path, what: str) -> re.Match[str]:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise InputError(f"{path}: no {what} (expected the output of wrk --latency)")
    return match


def import_wrk(path: Path, *, target: str | None, scenario: str | None) -> Run:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not text (expected the output of wrk --latency)") from None
    if not text.strip():
        raise InputError(f"{path}: is empty")
    url = _find(r"Running \S+ test @ (\S+)", text, path, "'Running ... test @ URL' line")[1]
    shape = _find(r"(\d+) threads and (\d+) connections", text, path, "threads/connections line")
    average = _find(_LATENCY, text, path, "latency line")
    try:
        wrk = parse_wrk(text)
    except PerfkitError:
        raise InputError(f"{path}: no request count or Requests/sec (is it truncated?)") from None
    if "Latency Distribution" not in text or not {50.0, 90.0, 99.0} <= set(wrk.percentiles_ms):
        raise InputError(f"{path}: no latency distribution (run wrk with --latency)")
    sockets = wrk.socket_errors
    by_class = {
        "unexpected": wrk.non_2xx,
        "connect": sockets.get("connect", 0),
        "protocol": sockets.get("read", 0) + sockets.get("write", 0),
        "timeout": sockets.get("timeout", 0),
    }
    by_class = {k: v for k, v in by_class.items() if v}
    count = wrk.requests + by_class.get("connect", 0) + by_class.get("protocol", 0)
    errors = sum(by_class.values())
    latency = LatencyStats(
        mean_ms=round(latency_ms(average[1], average[2]), 3),
        max_ms=round(latency_ms(average[3], average[4]), 3),
        p50_ms=round(wrk.percentiles_ms[50.0], 3),
        p90_ms=round(wrk.percentiles_ms[90.0], 3),
        p99_ms=round(wrk.percentiles_ms[99.0], 3),
    )
    stats = Stats(
        count=count, ok=count - errors, errors=errors, errors_by_class=by_class,
        status_counts={}, throughput_rps=wrk.requests_per_s, latency=latency, histogram="",
    )  # fmt: skip
    path_part = re.sub(r"^https?://[^/]+", "", url) or "/"
    end = path.stat().st_mtime
    return build_run(
        "wrk", [path], started_at=datetime.fromtimestamp(end - wrk.duration_s, UTC),
        finished_at=datetime.fromtimestamp(end, UTC), overall=stats,
        endpoints=[EndpointStats(path_part, "GET", path_part, "api", stats)],
        precision="summary", target=target or url, scenario=scenario or "wrk",
        load=imported_load("wrk", concurrency=int(shape[2]), duration_s=wrk.duration_s,
                           workers=int(shape[1])),
        warnings=["wrk prints no date: the time window ends at the file's modification time"],
    )  # fmt: skip
