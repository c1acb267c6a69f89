"""wrk, the HTTP load tool: run it, and read what ``wrk --latency`` prints.

One parser for every caller (the benchmarks compare against wrk; `perfkit import wrk`
reads a saved report). wrk prints its latency
percentiles with a unit per value (``578.00us``, ``13.37ms``, ``1.02s``, ``2.00m``) and
counts failures on two lines: ``Non-2xx or 3xx responses: N`` and
``Socket errors: connect C, read R, write W, timeout T``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from perfkit.errors import PerfkitError

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_VALUE = r"([\d.]+)(us|ms|s|m)"
_RUNNING = re.compile(r"Running \S+ test @ (\S+)")
_SHAPE = re.compile(r"(\d+) threads and (\d+) connections")
_LATENCY = re.compile(rf"^\s+Latency\s+{_VALUE}\s+\S+\s+{_VALUE}", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.M)
_COUNT = re.compile(rf"^\s*(\d+) requests in {_VALUE},", re.M)
_PERCENTILE = re.compile(rf"^\s+([\d.]+)%\s+{_VALUE}\s*$", re.M)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$", re.M)
_SOCKET = re.compile(
    r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.M
)
_DISTRIBUTION = (50.0, 75.0, 90.0, 99.0)  # what ``--latency`` prints


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run printed; percentiles keyed by their percent (50.0, 75.0, 90.0, 99.0).

    ``requests`` is wrk's count of completed requests: socket errors are not in it.
    """

    url: str
    threads: int
    connections: int
    requests_per_s: float
    requests: int
    duration_s: float
    mean_ms: float
    max_ms: float
    percentiles_ms: dict[float, float]
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    def percentile_ms(self, percent: float) -> float:
        return self.percentiles_ms[percent]


def latency_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def _find(pattern: re.Pattern[str], output: str, what: str) -> re.Match[str]:
    match = pattern.search(output)
    if match is None:
        raise PerfkitError(f"no {what} (expected the output of wrk --latency)")
    return match


def parse_wrk(output: str) -> WrkResult:
    """Read ``wrk --latency`` output; `PerfkitError` naming the first missing part."""
    url = _find(_RUNNING, output, "'Running ... test @ URL' line")[1]
    shape = _find(_SHAPE, output, "threads/connections line")
    latency = _find(_LATENCY, output, "latency line")
    count = _find(_COUNT, output, "request count (truncated?)")
    rps = _find(_RPS, output, "Requests/sec (truncated?)")
    percentiles = {float(p): latency_ms(v, u) for p, v, u in _PERCENTILE.findall(output)}
    if "Latency Distribution" not in output or not set(_DISTRIBUTION) <= set(percentiles):
        raise PerfkitError("no latency distribution (run wrk with --latency)")
    non_2xx = _NON_2XX.search(output)
    return WrkResult(
        url=url,
        threads=int(shape[1]),
        connections=int(shape[2]),
        requests_per_s=float(rps[1]),
        requests=int(count[1]),
        duration_s=latency_ms(count[2], count[3]) / 1000.0,
        mean_ms=latency_ms(latency[1], latency[2]),
        max_ms=latency_ms(latency[3], latency[4]),
        percentiles_ms=percentiles,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=_socket_errors(output),
    )


def _socket_errors(output: str) -> dict[str, int]:
    found = _SOCKET.search(output)
    if found is None:
        return {}
    return dict(zip(("connect", "read", "write", "timeout"), map(int, found.groups()), strict=True))


def run_wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    script: Path | None = None,
) -> WrkResult:
    """``wrk --latency`` against ``url``; `PerfkitError` when wrk is missing or fails."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise PerfkitError("wrk is not installed (apt-get install wrk)")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    try:
        done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        raise PerfkitError(f"wrk did not finish within {seconds + 30:.0f} s") from None
    if done.returncode != 0:
        raise PerfkitError(f"wrk failed: {(done.stderr or done.stdout).strip()[-200:]}")
    try:
        return parse_wrk(done.stdout)
    except PerfkitError as exc:
        raise PerfkitError(f"wrk output: {exc}: {done.stdout.strip()[-200:]!r}") from None
