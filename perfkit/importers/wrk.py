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

from perfkit.errors import InputError
from perfkit.importers.build import build_run, imported_load
from perfkit.runs.model import EndpointStats, LatencyStats, Run, Stats

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENT = re.compile(r"^\s+(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def _ms(value: str, unit: str) -> float:
    return round(float(value) * _UNITS[unit], 3)


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
    head = _find(r"Running \S+ test @ (\S+)", text, path, "'Running ... test @ URL' line")
    url = head[1]
    shape = _find(r"(\d+) threads and (\d+) connections", text, path, "threads/connections line")
    average = _find(
        r"^\s+Latency\s+([\d.]+)(us|ms|s|m)\s+\S+\s+([\d.]+)(us|ms|s|m)", text, path, "latency line"
    )
    total = _find(
        r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text, path, "request count (truncated?)"
    )
    rps = float(_find(r"Requests/sec:\s+([\d.]+)", text, path, "Requests/sec (truncated?)")[1])
    percentiles = {p: _ms(v, u) for p, v, u in _PERCENT.findall(text)}
    if "Latency Distribution" not in text or len(percentiles) < 4:
        raise InputError(f"{path}: no latency distribution (run wrk with --latency)")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = _SOCKET.search(text)
    connect, read, write, timeout = (int(x) for x in sockets.groups()) if sockets else (0, 0, 0, 0)
    by_class = {"unexpected": int(non_2xx[1]) if non_2xx else 0, "connect": connect,
                "protocol": read + write, "timeout": timeout}  # fmt: skip
    by_class = {k: v for k, v in by_class.items() if v}
    count = int(total[1]) + connect + read + write
    errors = sum(by_class.values())
    seconds = _ms(total[2], total[3]) / 1000.0
    latency = LatencyStats(
        mean_ms=_ms(average[1], average[2]),
        max_ms=_ms(average[3], average[4]),
        p50_ms=percentiles["50"],
        p90_ms=percentiles["90"],
        p99_ms=percentiles["99"],
    )
    stats = Stats(
        count=count,
        ok=count - errors,
        errors=errors,
        errors_by_class=by_class,
        status_counts={},
        throughput_rps=rps,
        latency=latency,
        histogram="",
    )
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
            "wrk", concurrency=int(shape[2]), duration_s=seconds, workers=int(shape[1])
        ),
        warnings=["wrk prints no date: the time window ends at the file's modification time"],
    )
