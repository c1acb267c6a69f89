"""The locustfile of `perfkit baseline --engine locust` (loaded by Locust, never by perfkit).

Master and workers load this same file. The master gets perfkit's plan as the custom
option ``--perfkit-plan`` (JSON), which Locust hands on to every worker with the spawn
message, so a worker on another machine needs nothing but this file::

    locust -f <this file> --worker --master-host MASTER --master-port 5557

Each worker times every request itself (``perf_counter`` around the request, float
milliseconds) into perfkit `Tally` objects, i.e. HdrHistograms at 3 significant digits,
not Locust's rounded response-time buckets, and keeps per-request rows. Users stop
themselves when the measured window ends (or the worker's share of ``--requests`` is
spent), after their request in flight answered; when a worker's last user stopped it
sends everything to the master in one ``perfkit_result`` message. The master merges the
tallies (exact: histograms add bucket by bucket), writes them to ``--perfkit-result``
and quits. Requests started during the warm-up are sent but not recorded.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import time
from pathlib import Path
from typing import Any

import gevent
import orjson
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from perfkit.atomic import write_bytes
from perfkit.loadgen.engines import classify_status
from perfkit.runs.histogram import Tally

RESULT_MESSAGE = "perfkit_result"
_CONNECT_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH}


class Recorder:
    """One worker process's share of the run: which request next, and what it measured."""

    def __init__(self, plan: dict[str, Any], worker: int) -> None:
        self.plan = plan
        self.worker = worker
        self.endpoints: list[dict[str, Any]] = plan["endpoints"]
        self.expect = [frozenset(e["expect"]) for e in self.endpoints]
        self.tallies = [Tally() for _ in self.endpoints]
        self.rows: dict[str, list[Any]] = {k: [] for k in ("t", "ms", "ep", "status", "error")}
        self.schedule = itertools.cycle(plan["schedule"])
        self.warm = itertools.cycle(plan["schedule"])
        now = time.time()
        self.measure_start = now + plan["warmup_s"]
        self.deadline = self.measure_start + (plan["duration_s"] or 1e9)
        requests, workers = plan["requests"], plan["workers"]
        share = None if requests is None else requests // workers + (worker < requests % workers)
        self.tickets = -1 if share is None else share
        self.last_end = self.measure_start
        self.users = 0
        self.sent = False

    def over(self) -> bool:
        return self.tickets == 0 or time.time() >= self.deadline

    def take(self) -> tuple[int, bool] | None:
        now = time.time()
        if self.over():
            return None
        if now < self.measure_start:
            return next(self.warm), False
        self.tickets -= 1
        return next(self.schedule), True

    def record(self, index: int, wall: float, latency_ms: float, status: int,
               failure: BaseException | None) -> None:  # fmt: skip
        if failure is not None and not status:
            error: str | None = _failure_class(failure)
        else:
            error = classify_status(status, self.expect[index])
        self.tallies[index].record(status, error, latency_ms if status else None)
        self.last_end = max(self.last_end, wall + latency_ms / 1000.0)
        if self.plan["keep_samples"]:
            for key, value in zip(self.rows, (wall, latency_ms, index, status, error), strict=True):
                self.rows[key].append(value)

    def result(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "tallies": [t.to_wire() for t in self.tallies],
            "rows": self.rows,
            "start": self.measure_start,
            "end": self.last_end,
        }


def _failure_class(failure: BaseException) -> str:
    if isinstance(failure, TimeoutError | gevent.Timeout):
        return "timeout"
    if isinstance(failure, OSError) and failure.errno in _CONNECT_ERRNOS:
        return "connect"
    return "protocol"


_recorders: dict[int, Recorder] = {}  # id(environment) -> this process's recorder


def _options(parser: Any) -> None:
    parser.add_argument("--perfkit-plan", default="", help="perfkit's run plan (JSON)")
    parser.add_argument("--perfkit-result", default="", help="master: file of the merged run")


def _init(environment: Environment, **_: object) -> None:
    if isinstance(environment.runner, MasterRunner):
        results: list[dict[str, Any]] = []
        runner, options = environment.runner, environment.parsed_options
        assert options is not None  # Locust parsed the command line before `init`

        def collect(msg: Any, **_: object) -> None:
            results.append(msg.data)
            if len(results) == orjson.loads(options.perfkit_plan)["workers"]:
                write_bytes(Path(options.perfkit_result), orjson.dumps(_merge(results)))
                gevent.spawn(runner.quit)

        runner.register_message(RESULT_MESSAGE, collect)


def _test_start(environment: Environment, **_: object) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner) or environment.parsed_options is None:
        return
    plan = orjson.loads(environment.parsed_options.perfkit_plan)
    worker = runner.worker_index if isinstance(runner, WorkerRunner) else 0
    PerfkitUser.network_timeout = PerfkitUser.connection_timeout = plan["timeout_s"]
    _recorders[id(environment)] = Recorder(plan, worker)


def _merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    tallies = [Tally() for _ in results[0]["tallies"]]
    for result in results:
        for total, wire in zip(tallies, result["tallies"], strict=True):
            total.add(Tally.from_wire(wire))
    return {
        "tallies": [t.to_wire() for t in tallies],
        "workers": [{"worker": r["worker"], "rows": r["rows"]} for r in results],
        "start": min(r["start"] for r in results),
        "end": max(r["end"] for r in results),
    }


events.init_command_line_parser.add_listener(_options)
events.init.add_listener(_init)
events.test_start.add_listener(_test_start)


class PerfkitUser(FastHttpUser):
    """Sends the scenario's requests back to back (closed model), timed by perfkit."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.recorder = _recorders[id(self.environment)]
        self.recorder.users += 1

    @task
    def send(self) -> None:
        taken = self.recorder.take()
        if taken is None:
            raise StopUser()
        index, measured = taken
        endpoint = self.recorder.endpoints[index]
        wall, start = time.time(), time.perf_counter()
        response = self.client.request(
            endpoint["method"], endpoint["target"], data=endpoint["body"],
            headers=endpoint["headers"], name=endpoint["name"],
        )  # fmt: skip
        latency_ms = (time.perf_counter() - start) * 1000.0
        if measured:
            status = int(response.status_code or 0)
            self.recorder.record(index, wall, latency_ms, status, getattr(response, "error", None))

    def on_stop(self) -> None:
        recorder = self.recorder
        recorder.users -= 1
        if recorder.users == 0 and not recorder.sent and recorder.over():
            recorder.sent = True
            with contextlib.suppress(AttributeError):  # a local runner has no master
                self.environment.runner.send_message(RESULT_MESSAGE, recorder.result())
