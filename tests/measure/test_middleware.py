"""The middleware over real HTTP: uvicorn on loopback, a Starlette app and a plain ASGI one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from perfkit.measure import MeasureConfig, PerformanceMonitor
from perfkit.measure.routes import OVERFLOW, UNMATCHED
from tests.measure.conftest import measured_app, plain_asgi_app, serve

Wait = Callable[[Callable[[], bool], float], None]


def _routes(monitor: PerformanceMonitor) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["method"], r["route"]): r for r in monitor.report()["routes"]}


def test_requests_are_recorded_by_route_template(measure_config: MeasureConfig) -> None:
    monitor = PerformanceMonitor(measure_config)
    with serve(measured_app(monitor)) as url, httpx.Client(base_url=url, timeout=30) as client:
        for user_id in range(40):
            assert client.get(f"/api/users/{user_id}").status_code == 200
        assert client.get("/v1/items/7").status_code == 200
        assert client.get("/v1/items/8").status_code == 200
        assert client.get("/sub/things/abc").status_code == 200
        for n in range(30):
            assert client.get(f"/no/such/path/{n}").status_code == 404
        assert client.request("PURGE", "/api/users/1").status_code == 405
        assert client.get("/unavailable").status_code == 503
        assert client.get("/boom").status_code == 500
    routes = _routes(monitor)
    assert routes["GET", "/api/users/{id}"]["count"] == 40
    assert routes["GET", "/v1/items/{item_id}"]["count"] == 2
    assert routes["GET", "/sub/things/{name}"]["count"] == 1
    assert routes["GET", UNMATCHED]["count"] == 30
    assert routes["GET", UNMATCHED]["status"] == {"4xx": 30}
    assert routes["OTHER", "/api/users/{id}"]["status"] == {"4xx": 1}
    assert routes["GET", "/unavailable"]["errors"] == 1
    # 429 and each 5xx are kept by code beside their class; other codes by class only
    assert routes["GET", "/unavailable"]["status"] == {"5xx": 1, "503": 1}
    assert routes["GET", "/boom"]["status"] == {"5xx": 1, "500": 1}
    assert not any("42" in route for _, route in routes)
    users = routes["GET", "/api/users/{id}"]
    latency = users["latency_ms"]
    assert 0 < latency["min"] <= latency["p50"] <= latency["p95"] <= latency["p99"]
    assert latency["p99"] <= latency["max"] * 1.01
    assert users["throughput_rps"] > 0 and users["error_rate"] == 0.0


def test_request_id_is_kept_or_made_and_echoed(measure_config: MeasureConfig) -> None:
    monitor = PerformanceMonitor(measure_config)
    with serve(measured_app(monitor)) as url, httpx.Client(base_url=url, timeout=30) as client:
        given = client.get("/api/users/1", headers={"X-Request-ID": "abc-123"})
        made = [client.get("/api/users/1") for _ in range(2)]
        hostile = client.get("/api/users/1", headers={"X-Request-ID": "x y\u00e9".encode()})
    assert given.headers["x-request-id"] == "abc-123" == given.json()["rid"]
    ids = {r.headers["x-request-id"] for r in made}
    assert len(ids) == 2 and all(r.json()["rid"] == r.headers["x-request-id"] for r in made)
    assert hostile.headers["x-request-id"] not in ("x y\u00e9", "")


def test_slow_requests_are_classified_and_logged(measure_config: MeasureConfig) -> None:
    monitor = PerformanceMonitor(measure_config)  # slow 50 ms, very slow 150, critical 400
    with serve(measured_app(monitor)) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/slow", params={"ms": 1}).status_code == 200
        client.get("/slow", params={"ms": 80}, headers={"X-Request-ID": "slow-1"})
        client.get("/slow", params={"ms": 200}, headers={"X-Request-ID": "very-slow-1"})
        client.get("/slow", params={"ms": 450}, headers={"X-Request-ID": "critical-1"})
    # The server has shut down: the lifespan stopped the monitor, which drained the log.
    route = _routes(monitor)["GET", "/slow"]
    assert route["count"] == 4
    assert route["slow"] == {"slow": 1, "very_slow": 1, "critical": 1}
    lines = measure_config.slow_log_path.read_text().splitlines()
    logged = {e["request_id"]: e for e in map(orjson.loads, lines)}
    assert {k: v["class"] for k, v in logged.items()} == {
        "slow-1": "slow",
        "very-slow-1": "very_slow",
        "critical-1": "critical",
    }
    entry = logged["very-slow-1"]
    assert entry["route"] == "/slow" and entry["method"] == "GET" and entry["status"] == 200
    assert entry["duration_ms"] >= 195 and entry["time"].endswith("+00:00")
    recent = monitor.report()["slow_requests"]
    assert [e["request_id"] for e in recent["recent"]] == ["critical-1", "very-slow-1", "slow-1"]
    assert recent["counts"] == {"slow": 1, "very_slow": 1, "critical": 1}


def test_slow_log_can_be_disabled(measure_config: MeasureConfig) -> None:
    config = dataclasses.replace(measure_config, slow_log_enabled=False)
    monitor = PerformanceMonitor(config)
    with serve(measured_app(monitor)) as url, httpx.Client(base_url=url, timeout=30) as client:
        client.get("/slow", params={"ms": 80})
    assert monitor.report()["slow_requests"]["counts"]["slow"] == 1
    assert not config.slow_log_path.exists()


def test_route_buckets_are_capped_whatever_the_paths(measure_config: MeasureConfig) -> None:
    config = dataclasses.replace(measure_config, max_routes=5)
    monitor = PerformanceMonitor(config)
    with serve(plain_asgi_app(monitor)) as url, httpx.Client(base_url=url, timeout=30) as client:
        for n in range(20):
            assert client.get(f"/orders/{n}").status_code == 200  # one template
        for n in range(60):
            assert client.get(f"/pages/page-{n}").status_code == 200  # distinct words
    routes = _routes(monitor)
    assert routes["GET", "/orders/{id}"]["count"] == 20
    assert len(monitor.entries()) <= config.max_routes + 1
    report = monitor.report()
    assert report["summary"]["total_requests"] == 80
    assert report["summary"]["overflow_requests"] == routes["*", OVERFLOW]["count"] > 0


def test_report_endpoint_shape(measure_config: MeasureConfig, wait_until: Wait) -> None:
    monitor = PerformanceMonitor(measure_config)
    with serve(measured_app(monitor)) as url, httpx.Client(base_url=url, timeout=30) as client:
        client.get("/api/users/1")
        wait_until(lambda: monitor.lag.window.total_samples > 0, 5.0)
        report = client.get("/api/performance").json()
    assert set(report) >= {
        "schema_version", "generated_at", "performance", "summary", "thresholds",
        "slow_requests", "routes", "hourly", "memory", "event_loop", "workers",
    }  # fmt: skip
    assert report["thresholds"] == {"slow_ms": 50.0, "very_slow_ms": 150.0, "critical_ms": 400.0}
    assert report["performance"]["totalRequests"] == 1  # the report request is still running
    assert report["memory"]["rss_bytes"] > 0
    lag = report["event_loop"]["lag_ms"][monitor.worker_id]
    assert lag["samples"] >= 1 and lag["max_ms"] >= 0
    assert report["workers"]["source"] == "local" and report["workers"]["count"] == 1
    assert report["hourly"]["routes"]["GET /api/users/{id}"][0]["count"] == 1
