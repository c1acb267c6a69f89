"""k6 results, per request: `k6 run --out json=FILE` (NDJSON) or `--out csv=FILE`.

The latency of a request is k6's ``http_req_duration``: sending + waiting + receiving,
from the first byte written to the last byte read. It leaves out ``http_req_blocked``
(waiting for a free connection slot and DNS) and ``http_req_connecting`` /
``http_req_tls_handshaking`` (opening the connection), as wrk and perfkit's closed-model
runner do with a warm keep-alive pool. k6 stamps a point with the moment the response
ended, so a request's start is that time less its duration. CSV output holds whole
seconds unless k6 ran with ``K6_CSV_TIME_FORMAT=unix_micro`` (latencies are exact either
way; only the samples' start times are coarse).

Endpoints are k6's ``name`` tag (the URL unless the script sets ``tags: {name}``) and
``method``. A request is ok when k6 tagged it ``expected_response: true`` (the script's
``responseCallback``; by default statuses 200-399); status 0 is a request without a
response, classed by k6's ``error_code`` (1050: timeout, 1100-1299: DNS/TCP connect,
else protocol). Points tagged ``perfkit_phase: warmup`` (perfkit's own k6 scripts tag
their warm-up so) are left out. ``dropped_iterations`` points are counted: the
constant-arrival-rate executor drops a scheduled request when no VU is free.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import orjson
import pyarrow as pa

from perfkit.errors import InputError
from perfkit.importers.build import imported_load, run_from_timings
from perfkit.importers.timings import Timings
from perfkit.loadgen.engines import classify_status
from perfkit.runs.model import Run

DURATION = "http_req_duration"
_TIMEOUT = 1050
_CONNECT = range(1100, 1300)
_DEFAULT_OK = frozenset(range(200, 400))


@dataclass
class K6Points:
    """What a k6 file held besides the timings."""

    requests: int = 0
    dropped_iterations: int = 0


def _error_class(status: int, tags: Mapping[str, str]) -> str | None:
    if status == 0:
        code = int(tags.get("error_code") or 0)
        if code == _TIMEOUT:
            return "timeout"
        return "connect" if code in _CONNECT else "protocol"
    expected = tags.get("expected_response")
    if expected == "true":
        return None
    if expected == "false":
        return classify_status(status, frozenset())
    return classify_status(status, _DEFAULT_OK)


def _record(timings: Timings, start: float, value: float, tags: Mapping[str, str]) -> None:
    url = tags.get("url", "")
    name = tags.get("name") or url
    method = tags.get("method", "GET")
    index = timings.endpoint(name, method, urlsplit(url).path or name)
    status = int(tags.get("status") or 0)
    timings.record(index, start, value, status, _error_class(status, tags))


def _json_points(path: Path, lines: Iterator[bytes]) -> Iterator[dict[str, object]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            what = "is truncated" if not line.endswith(b"\n") else f"line {number} is not JSON"
            raise InputError(f"{path}: {what} (expected k6 --out json output)") from None
        if not isinstance(item, dict) or "type" not in item or "metric" not in item:
            raise InputError(f"{path}: line {number} is not a k6 metric or point")
        yield item


def _read_json(path: Path, timings: Timings, seen: K6Points) -> None:
    with path.open("rb") as handle:
        for item in _json_points(path, iter(handle)):
            if item["type"] != "Point":
                continue
            data = item["data"]
            assert isinstance(data, dict)
            tags = data.get("tags") or {}
            if tags.get("perfkit_phase") == "warmup":
                continue
            if item["metric"] == "dropped_iterations":
                seen.dropped_iterations += int(data["value"])
            if item["metric"] != DURATION:
                continue
            end = datetime.fromisoformat(str(data["time"])).timestamp()
            value = float(data["value"])
            _record(timings, end - value / 1000.0, value, tags)
            seen.requests += 1


_CSV_FIELDS = {"metric_name", "timestamp", "metric_value"}


def _read_csv(path: Path, timings: Timings, seen: K6Points) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not set(reader.fieldnames or ()) >= _CSV_FIELDS:
            raise InputError(f"{path}: not k6 CSV output (no metric_name/timestamp columns)")
        for number, row in enumerate(reader, 2):
            if None in row or None in row.values():
                raise InputError(f"{path}: row {number} is truncated")
            tags = {k: v for k, v in row.items() if v and k not in _CSV_FIELDS}
            tags.update(parse_qsl(row.get("extra_tags") or ""))  # a script's own tags
            if tags.get("perfkit_phase") == "warmup":
                continue
            if row["metric_name"] == "dropped_iterations":
                seen.dropped_iterations += int(float(row["metric_value"]))
            if row["metric_name"] != DURATION:
                continue
            try:
                stamp, value = float(row["timestamp"]), float(row["metric_value"])
            except ValueError:
                raise InputError(f"{path}: row {number} lacks a number") from None
            # k6 writes unix seconds, or milli/microseconds with ?timeFormat=unix_milli|micro
            end = stamp / (1e6 if stamp > 1e14 else 1e3 if stamp > 1e11 else 1.0)
            _record(timings, end - value / 1000.0, value, tags)
            seen.requests += 1


def read_k6(path: Path, timings: Timings) -> K6Points:
    """Add every measured request of a k6 JSON or CSV results file to `timings`."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise InputError(f"{path}: is empty")
    seen = K6Points()
    try:
        if head.lstrip().startswith(b"{"):
            _read_json(path, timings, seen)
        else:
            _read_csv(path, timings, seen)
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not text (expected k6 JSON or CSV output)") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: unexpected k6 point ({exc})") from None
    if seen.requests == 0:
        raise InputError(f"{path}: holds no {DURATION} points (no HTTP request measured)")
    return seen


def import_k6(files: Sequence[Path], *, target: str | None,
              scenario: str | None) -> tuple[Run, pa.Table]:  # fmt: skip
    """One run from one or more k6 result files (several k6 instances of one test)."""
    timings, dropped = Timings(), 0
    for path in files:
        dropped += read_k6(path, timings).dropped_iterations
    warnings = []
    if dropped:
        warnings.append(f"k6 dropped {dropped} scheduled iterations (no free VU)")
    return run_from_timings(
        "k6",
        files,
        timings,
        target=target or "k6-import",
        scenario=scenario or "k6",
        load=imported_load("k6", workers=len(files)),
        warnings=warnings,
    )
