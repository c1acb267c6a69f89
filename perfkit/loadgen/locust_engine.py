"""The Locust engine: a real Locust master and N worker processes (Locust's distributed
mode) running `perfkit.loadgen.locust_user` against the target, closed model only.

`run_locust` starts ``locust --master`` (headless, waiting for ``--workers`` workers)
and the local ones (``--local-workers``, default all of them) as separate processes;
workers on other machines join with ``locust -f <locust_user.py> --worker --master-host
THIS_HOST --master-port PORT`` (the master listens on ``--master-bind``, default
127.0.0.1 and a free port). The master writes the merged tallies and rows to a temporary
file that becomes the run. Locust has no open model (its ``constant_throughput`` paces
each user, so a slow server still slows the load): ``--rate`` is refused.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from perfkit.embedded import free_port
from perfkit.errors import InputError
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.runner import LoadConfig, LoadResult
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.worker import Samples
from perfkit.runs.histogram import Tally
from perfkit.runs.model import GeneratorStats

MISSING = "Locust is not installed: pip install 'perfkit[locust]'"
_STOP_GRACE_S = 30.0
LOCUSTFILE = Path(__file__).with_name("locust_user.py")


def check(config: LoadConfig, options: HttpOptions) -> None:
    """Refuse a missing Locust and what the Locust engine cannot do, before anything starts."""
    if importlib.util.find_spec("locust") is None:
        raise InputError(MISSING)
    if config.model == "open":
        raise InputError("Locust has no open model: use --concurrency, or --engine k6 for --rate")
    if config.concurrency < config.workers:
        raise InputError(
            f"--concurrency {config.concurrency} gives some of the {config.workers} Locust "
            "workers no user: use at least one user per worker"
        )
    local = config.workers if config.local_workers is None else config.local_workers
    if not 0 <= local <= config.workers:
        raise InputError(f"--local-workers must be 0..{config.workers} (got {local})")
    if options.event_hooks or options.auth is not None or options.verify is not True:
        raise InputError("the Locust engine sends the scenario's headers only (no hooks or auth)")


def _plan(scenario: Scenario, config: LoadConfig) -> dict[str, Any]:
    period = sum(e.weight for e in scenario.endpoints)
    return {
        "endpoints": [
            {
                "name": e.name,
                "method": e.method,
                "target": e.target,
                "expect": sorted(e.expect),
                "body": None if e.body is None else e.body.decode(),
                "headers": {**scenario.headers, **e.headers},
            }
            for e in scenario.endpoints
        ],
        "schedule": list(itertools.islice(scenario.schedule(), period)),
        "warmup_s": config.warmup_s,
        "duration_s": config.duration_s,
        "requests": config.requests,
        "timeout_s": config.timeout_s,
        "workers": config.workers,
        "keep_samples": config.keep_samples,
    }


@contextlib.contextmanager
def _processes(commands: list[list[str]], log: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start each command (stderr to `log`); on the way out, end any still running."""
    procs: list[subprocess.Popen[bytes]] = []
    with log.open("ab") as sink:
        try:
            for command in commands:
                procs.append(subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                              stdout=subprocess.DEVNULL, stderr=sink))  # fmt: skip
            yield procs
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _last_line(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def run_locust(
    base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions
) -> LoadResult:
    check(config, options)
    host, port = config.master_bind or ("127.0.0.1", free_port())
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING"]
    local = config.workers if config.local_workers is None else config.local_workers
    longest = (config.duration_s or 3600.0) + config.warmup_s + config.timeout_s + _STOP_GRACE_S
    with tempfile.TemporaryDirectory(prefix="perfkit-locust-") as tmp:
        result_path, log = Path(tmp) / "result.json", Path(tmp) / "locust.log"
        plan = orjson.dumps(_plan(scenario, config)).decode()
        master = [
            *locust, "--master", "--headless", "--master-bind-host", host, "--master-bind-port",
            str(port), "--expect-workers", str(config.workers), "-u", str(config.concurrency),
            "-r", str(config.concurrency), "--host", base_url, "--exit-code-on-error", "0",
            "--only-summary", "--perfkit-result", str(result_path), "--perfkit-plan", plan,
        ]  # fmt: skip
        worker = [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
        cpu0 = _children_cpu()
        with _processes([master] + [worker] * local, log) as procs:
            try:
                procs[0].wait(timeout=longest + 60.0)
            except subprocess.TimeoutExpired:
                raise InputError(f"the Locust run did not finish: {_last_line(log)}") from None
            for proc in procs[1:]:
                proc.wait(timeout=_STOP_GRACE_S)
        if not result_path.is_file():
            raise InputError(f"the Locust master wrote no result: {_last_line(log)}")
        merged = orjson.loads(result_path.read_bytes())
        cpu = _children_cpu() - cpu0
    return _result(scenario, config, merged, cpu)


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _samples(worker: dict[str, Any], start: float) -> Samples:
    rows = worker["rows"]
    return Samples(
        t_intended=array("d", (t - start for t in rows["t"])),
        t_start=array("d", (t - start for t in rows["t"])),
        latency_ms=array("d", rows["ms"]),
        endpoint=array("H", rows["ep"]),
        status=array("H", rows["status"]),
        error_class=list(rows["error"]),
    )


def _result(
    scenario: Scenario, config: LoadConfig, merged: dict[str, Any], cpu: float
) -> LoadResult:
    start, end = merged["start"], merged["end"]
    seconds = max(end - start, 1e-9)
    return LoadResult.from_tallies(
        scenario,
        [Tally.from_wire(w) for w in merged["tallies"]],
        (start, end),
        generator=GeneratorStats(
            engine="locust",
            workers=len(merged["workers"]),
            cpu_seconds=round(cpu, 3),
            cpu_utilisation=round(cpu / max(seconds, 1e-9) / max(len(merged["workers"]), 1), 3),
            send_lag_p99_ms=0.0,
            saturated=False,
        ),
        samples=[(w["worker"], _samples(w, start)) for w in merged["workers"]]
        if config.keep_samples
        else [],
    )
