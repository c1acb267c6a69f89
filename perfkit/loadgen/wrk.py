"""wrk and wrk2, the HTTP load tools: run them, and read what ``--latency`` prints.

One parser for every caller (the benchmarks compare against wrk and wrk2; `perfkit import
wrk|wrk2` reads a saved report). wrk prints its latency
percentiles with a unit per value (``578.00us``, ``13.37ms``, ``1.02s``, ``2.00m``) and
counts failures on two lines: ``Non-2xx or 3xx responses: N`` and
``Socket errors: connect C, read R, write W, timeout T``.

wrk2 (``wrk2 -R RATE --latency``, built from ``tools/wrk2`` by ``make wrk2``) prints the
same lines, and under "Latency Distribution (HdrHistogram - Recorded Latency)" its
HdrHistogram: percentiles and a "Detailed Percentile spectrum" of (value in ms,
percentile, total count) rows. Its latency counts from each request's intended send time
at the fixed rate (coordinated omission corrected); after a calibration period (10 s plus
5 ms per connection) it resets the histogram, so a longer run's spectrum holds fewer
requests than its "N requests in" line. ``-U`` adds an uncorrected distribution after
the recorded one; only the recorded one is read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from perfkit.errors import PerfkitError
from perfkit.loadgen.programs import find_program

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
WRK2_CALIBRATION_S = 10.0  # wrk2 resets its histogram after this (plus 5 ms a connection)
_DISTRIBUTION = (50.0, 75.0, 90.0, 99.0)  # what ``--latency`` prints
_RECORDED = "Latency Distribution (HdrHistogram - Recorded Latency)"
_SPECTRUM_ROW = re.compile(r"^\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(?:[\d.]+|inf)\s*$", re.M)
_SPECTRUM_MEAN = re.compile(r"^#\[Mean\s+=\s+([\d.]+),", re.M)
_SPECTRUM_TOTAL = re.compile(r"^#\[Max\s+=\s+([\d.]+),\s+Total count\s+=\s+(\d+)\]", re.M)


@dataclass(frozen=True)
class Spectrum:
    """wrk2's recorded HdrHistogram as printed: rows of (value ms, cumulative count).

    A value is the highest of its bucket at that percentile step, so the requests between
    two rows are known only to lie at or below the later row's value.
    """

    rows: tuple[tuple[float, int], ...]
    mean_ms: float
    max_ms: float
    total: int


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
    spectrum: Spectrum | None = None  # wrk2 only

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
    """Read ``wrk --latency`` or ``wrk2 --latency`` output; `PerfkitError` naming the
    first missing part."""
    url = _find(_RUNNING, output, "'Running ... test @ URL' line")[1]
    shape = _find(_SHAPE, output, "threads/connections line")
    latency = _find(_LATENCY, output, "latency line")
    count = _find(_COUNT, output, "request count (truncated?)")
    rps = _find(_RPS, output, "Requests/sec (truncated?)")
    distribution = _recorded_section(output)
    percentiles = {float(p): latency_ms(v, u) for p, v, u in _PERCENTILE.findall(distribution)}
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
        spectrum=_spectrum(distribution) if _RECORDED in output else None,
    )


def _recorded_section(output: str) -> str:
    """wrk's distribution, or wrk2's recorded one (not its uncorrected one after it)."""
    start = output.find(_RECORDED)
    if start < 0:
        return output
    end = output.find("Latency Distribution", start + len(_RECORDED))
    return output[start : end if end > 0 else len(output)]


def _spectrum(section: str) -> Spectrum:
    if "Detailed Percentile spectrum" not in section:
        raise PerfkitError("no Detailed Percentile spectrum (truncated?)")
    rows = tuple((float(value), int(total)) for value, _, total in _SPECTRUM_ROW.findall(section))
    mean = _SPECTRUM_MEAN.search(section)
    summary = _SPECTRUM_TOTAL.search(section)
    if not rows or mean is None or summary is None:
        raise PerfkitError("the Detailed Percentile spectrum is incomplete (truncated?)")
    totals = [total for _, total in rows]
    if totals != sorted(totals) or totals[-1] != int(summary[2]):
        raise PerfkitError("the Detailed Percentile spectrum's counts do not add up")
    return Spectrum(rows=rows, mean_ms=float(mean[1]), max_ms=float(summary[1]), total=totals[-1])


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
    return _run([*command, url], seconds, "wrk")


def run_wrk2(url: str, *, rate: float, connections: int, seconds: float,
             threads: int = 1) -> WrkResult:  # fmt: skip
    """``wrk2 -R rate --latency`` against ``url`` for ``seconds`` after its calibration."""
    wrk2 = find_program("wrk2")
    if wrk2 is None:
        raise PerfkitError("wrk2 is not built (make wrk2; see tools/wrk2/README.md)")
    total = WRK2_CALIBRATION_S + connections * 0.005 + seconds
    command = [str(wrk2), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(total))}s",
               f"-R{max(1, round(rate))}", "--latency", url]  # fmt: skip
    return _run(command, total, "wrk2")


def _run(command: list[str], seconds: float, tool: str) -> WrkResult:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        raise PerfkitError(f"{tool} did not finish within {seconds + 30:.0f} s") from None
    if done.returncode != 0:
        raise PerfkitError(f"{tool} failed: {(done.stderr or done.stdout).strip()[-200:]}")
    try:
        return parse_wrk(done.stdout)
    except PerfkitError as exc:
        raise PerfkitError(f"{tool} output: {exc}: {done.stdout.strip()[-200:]!r}") from None
