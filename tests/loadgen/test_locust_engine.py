"""`--engine locust`: a real Locust master and worker processes over loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.embedded import free_port
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.locust_engine import LOCUSTFILE, run_locust
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import parse_scenario
from perfkit.runs.histogram import decode
from tests.loadgen.apps import Counter
from tests.loadgen.test_cli import perfkit

OK_ONLY = parse_scenario({"name": "ok", "endpoints": [{"name": "ok", "path": "/ok"}]}, "test")


def test_master_and_two_workers_record_exactly_what_the_target_served(
    status_url: str, counter: Counter
) -> None:
    config = LoadConfig(concurrency=4, duration_s=2.0, warmup_s=0.0, workers=2, engine="locust")
    result = run_locust(status_url, OK_ONLY, config, HttpOptions())
    assert result.generator.workers == 2
    assert {worker for worker, _ in result.samples} == {0, 1}
    # every request a worker started was answered and recorded: nothing lost at the stop
    assert result.overall.count == counter.hits > 0
    assert decode(result.overall.histogram).get_total_count() == counter.hits
    assert sum(len(part.latency_ms) for _, part in result.samples) == counter.hits


def test_request_count_is_split_between_workers_and_errors_are_classed(status_url: str) -> None:
    scenario = parse_scenario(
        {"name": "mixed", "endpoints": [{"name": "ok", "path": "/ok"},
                                        {"name": "boom", "path": "/boom"}]}, "test",
    )  # fmt: skip
    config = LoadConfig(concurrency=2, requests=101, duration_s=None, warmup_s=0.0, workers=2,
                        engine="locust")  # fmt: skip
    result = run_locust(status_url, scenario, config, HttpOptions())
    assert result.overall.count == 101
    boom = next(e for e in result.endpoints if e.name == "boom")
    assert boom.stats.errors_by_class == {"5xx": boom.stats.count} and boom.stats.count > 40


def test_a_worker_started_elsewhere_joins_with_master_host(
    status_url: str, counter: Counter
) -> None:
    """The documented command for workers on other machines, as a separate process."""
    port = free_port()
    remote = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker", "--master-host",
         "127.0.0.1", "--master-port", str(port), "--loglevel", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        config = LoadConfig(concurrency=2, duration_s=1.0, warmup_s=0.0, workers=2,
                            engine="locust", local_workers=1,
                            master_bind=("127.0.0.1", port))  # fmt: skip
        result = run_locust(status_url, OK_ONLY, config, HttpOptions())
        remote.wait(timeout=30)  # the master's quit ends the remote worker too
    finally:
        if remote.poll() is None:
            remote.kill()
            remote.wait()
    assert result.generator.workers == 2
    assert result.overall.count == counter.hits > 0


def test_the_open_model_is_refused_before_anything_starts(tmp_path: Path) -> None:
    result = perfkit("baseline", "--engine", "locust", "--rate", "50", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Locust has no open model" in result.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_baseline_with_locust_workers_against_the_reference_service(tmp_path: Path) -> None:
    result = perfkit("baseline", "--engine", "locust", "--workers", "2", "--concurrency", "4",
                     "--duration", "2", "--warmup", "1", "--out", str(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(next(tmp_path.glob("baseline-2*.json")).read_text())
    assert run["source"]["tool"] == "locust" and run["generator"]["workers"] == 2
    assert run["smoke"]["passed"] is True
    assert run["samples"]["rows"] == run["overall"]["count"] > 0
