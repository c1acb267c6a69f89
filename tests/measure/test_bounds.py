"""Memory stays bounded: slow-log rotation, recent ring, hourly buckets, route cap."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import httpx
import orjson
import pytest

from perfkit.errors import ConfigError
from perfkit.measure import MeasureConfig, PerformanceMonitor, Thresholds
from perfkit.measure.routes import OVERFLOW
from perfkit.measure.slowlog import SlowRequestLog
from tests.measure.conftest import measured_app, serve


def test_slow_log_rotation_bounds_the_files(tmp_path: Path) -> None:
    log = SlowRequestLog(tmp_path / "logs" / "slow.log", max_bytes=2048, backups=2)
    for n in range(400):
        log.write({"n": n, "route": "/x", "pad": "p" * 40})
    log.stop()
    files = log.files()
    assert len(files) == 3
    assert all(f.stat().st_size <= 2048 for f in files)
    entries = [orjson.loads(line) for f in files for line in f.read_text().splitlines()]
    assert max(e["n"] for e in entries) == 399  # the newest survive, whole lines only
    assert len(entries) < 400


def test_unwritable_slow_log_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="PERFKIT_SLOW_LOG_PATH"):
        SlowRequestLog(blocker / "slow.log", 1024, 1).start()


def test_monitor_state_is_bounded(tmp_path: Path) -> None:
    clock = [1_700_000_000.0]
    config = MeasureConfig(
        thresholds=Thresholds(50, 150, 400),
        slow_log_enabled=False,
        max_routes=10,
        recent_slow=5,
        hours=6,
    )
    monitor = PerformanceMonitor(config, clock=lambda: clock[0])
    for n in range(2000):
        clock[0] += 60.0  # 2000 minutes: 34 hours
        monitor.observe("GET", f"/p/{n % 500}", 200 if n % 7 else 500, 60.0, f"r{n}")
    entries = monitor.entries()
    assert len(entries) <= config.max_routes + 5  # + (overflow) per status class
    assert all(len(stats.hourly.buckets()) <= config.hours for _, stats in entries)
    report = monitor.report()
    assert len(report["slow_requests"]["recent"]) == 5
    assert report["slow_requests"]["recent"][0]["request_id"] == "r1999"
    assert len(report["hourly"]["overall"]) == config.hours
    assert sum(r["count"] for r in report["routes"]) == 2000
    overflow = [r for r in report["routes"] if r["route"] == OVERFLOW]
    assert sum(r["count"] for r in overflow) == report["summary"]["overflow_requests"] > 0


def test_hourly_trend_follows_the_clock() -> None:
    clock = [3600.0 * 500_000]
    config = dataclasses.replace(MeasureConfig(), slow_log_enabled=False)
    monitor = PerformanceMonitor(config, clock=lambda: clock[0])
    monitor.observe("GET", "/a", 200, 10.0, "r")
    clock[0] += 3600
    monitor.observe("GET", "/a", 200, 30.0, "r")
    monitor.observe("GET", "/a", 500, 50.0, "r")
    trend = monitor.report()["hourly"]["routes"]["GET /a"]
    assert [(h["count"], h["errors"], h["mean_ms"]) for h in trend] == [(1, 0, 10.0), (2, 1, 40.0)]
    assert trend[1]["hour"].endswith(":00:00Z") and trend[0]["hour"] < trend[1]["hour"]


def test_an_unwritable_slow_log_is_reported_once_and_requests_are_served(
    measure_config: MeasureConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without lifespan events the monitor starts on the first request: a slow-log path
    that cannot be written must not fail that request, nor every later one."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    config = dataclasses.replace(measure_config, slow_log_path=blocker / "slow.log")
    monitor = PerformanceMonitor(config)
    with (
        caplog.at_level(logging.ERROR, logger="perfkit.measure.monitor"),
        serve(measured_app(monitor), lifespan="off") as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        statuses = [client.get("/slow", params={"ms": 60}).status_code for _ in range(3)]
        report = client.get("/api/performance").json()
    assert statuses == [200, 200, 200]
    errors = [r for r in caplog.records if "PERFKIT_SLOW_LOG_PATH" in r.getMessage()]
    assert len(errors) == 1
    logging_block = report["slow_requests"]["logging"]
    assert "PERFKIT_SLOW_LOG_PATH" in logging_block["error"]
    assert report["slow_requests"]["counts"]["slow"] == 3  # still counted, only not logged


def test_the_slow_log_queue_is_bounded_and_counts_what_it_drops(tmp_path: Path) -> None:
    """The writer thread drains while the producer holds the GIL for its switch interval
    (5 ms: thousands of puts), so a queue of 8 overflows and every entry is accounted for."""
    log = SlowRequestLog(tmp_path / "slow.log", 10 * 1024 * 1024, 1, max_queued=8)
    total = 20_000
    for n in range(total):
        log.write({"n": n})
    log.stop()
    written = len((tmp_path / "slow.log").read_text().splitlines())
    assert log.dropped > 0
    assert written + log.dropped == total
