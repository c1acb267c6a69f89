"""The pure core: classification, histograms, hourly buckets, snapshots, the report."""

from __future__ import annotations

import pytest

from perfkit.config import Settings
from perfkit.errors import ConfigError
from perfkit.measure import MeasureConfig, Thresholds, status_class
from perfkit.measure.hourly import HourlySeries, hour_of, merge_hours
from perfkit.measure.report import ReportContext, build_report
from perfkit.measure.routes import fallback_template, normalise_method
from perfkit.measure.runtime import LagWindow
from perfkit.measure.snapshot import SnapshotDecodeError, WorkerSnapshot
from perfkit.measure.stats import RouteSnapshot, RouteStats, merge_by_route


def test_thresholds_classify_at_the_boundaries() -> None:
    t = Thresholds(slow_ms=50, very_slow_ms=150, critical_ms=400)
    assert [t.classify(ms) for ms in (49.9, 50, 149.9, 150, 399, 400, 10_000)] == [
        "normal", "slow", "slow", "very_slow", "very_slow", "critical", "critical",
    ]  # fmt: skip


def test_config_reads_settings_and_perfkit_variables() -> None:
    settings = Settings.from_env(
        {
            "SLOW_REQUEST_THRESHOLD": "50",
            "VERY_SLOW_REQUEST_THRESHOLD": "150",
            "CRITICAL_REQUEST_THRESHOLD": "400",
            "ENABLE_SLOW_REQUEST_LOGGING": "false",
            "PERFKIT_SLOW_LOG_PATH": "/tmp/x/slow.log",
            "PERFKIT_MEASURE_MAX_ROUTES": "7",
        }
    )
    config = MeasureConfig.from_settings(settings)
    assert config.thresholds == Thresholds(50, 150, 400)
    assert config.slow_log_enabled is False
    assert str(config.slow_log_path) == "/tmp/x/slow.log"
    assert config.max_routes == 7
    with pytest.raises(ConfigError, match="PERFKIT_MEASURE_MAX_ROUTES"):
        MeasureConfig.from_settings(Settings.from_env({"PERFKIT_MEASURE_MAX_ROUTES": "0"}))


def test_status_classes() -> None:
    assert [status_class(s) for s in (101, 200, 304, 404, 503, 700)] == [
        "1xx", "2xx", "3xx", "4xx", "5xx", "5xx",
    ]  # fmt: skip


def test_methods_outside_http_collapse() -> None:
    assert normalise_method("GET") == "GET"
    assert normalise_method("BREW") == "OTHER"


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/users/42", "/api/users/{id}"),
        ("/files/3f2a9c0d11", "/files/{id}"),
        ("/o/123e4567-e89b-12d3-a456-426614174000/x", "/o/{id}/x"),
        ("/a/%E2%98%83", "/a/{id}"),
        ("/" + "x" * 40, "/{id}"),
        ("/a/b/c/d/e/f/g/h", "/a/b/c/d/e/f/{rest}"),
        ("/", "/"),
    ],
)
def test_fallback_templates_hide_identifiers(path: str, template: str) -> None:
    assert fallback_template(path) == template


def test_hourly_series_keeps_only_the_newest_hours() -> None:
    series = HourlySeries(keep=48)
    start = hour_of(1_700_000_000)
    for h in range(100):
        series.record(start + h, 10.0, error=h % 10 == 0, slow=False)
        series.record(start + h, 30.0, error=False, slow=True)
    buckets = series.buckets()
    assert len(buckets) == 48
    assert [b.hour for b in buckets] == list(range(start + 52, start + 100))
    assert buckets[-1].count == 2 and buckets[-1].slow == 1 and buckets[-1].max_ms == 30.0
    assert buckets[-1].view()["mean_ms"] == 20.0
    merged = merge_hours([buckets, buckets[-2:]], keep=48)
    assert merged[-1].count == 4 and len(merged) == 48


def _snapshot(method: str, route: str, sclass: str, durations: list[float]) -> RouteSnapshot:
    stats = RouteStats(hours=48)
    for ms in durations:
        stats.record(ms, sclass == "5xx", Thresholds(50, 150, 400).classify(ms), hour=1000)
    return RouteSnapshot.of(method, route, sclass, stats, uptime_s=10.0)


def test_route_snapshots_merge_by_route() -> None:
    ok = _snapshot("GET", "/u/{id}", "2xx", [10, 20, 60])
    failed = _snapshot("GET", "/u/{id}", "5xx", [5])
    other = _snapshot("POST", "/u/{id}", "2xx", [500])
    routes = merge_by_route([ok, failed, other], hours=48)
    assert [(r.method, r.route, r.count) for r in routes] == [
        ("GET", "/u/{id}", 4),
        ("POST", "/u/{id}", 1),
    ]
    summary = routes[0].summary()
    assert summary["status"] == {"2xx": 3, "5xx": 1}
    assert summary["errors"] == 1 and summary["error_rate"] == 0.25
    assert summary["latency_ms"]["min"] == 5 and summary["latency_ms"]["max"] == 60
    assert summary["latency_ms"]["mean"] == 23.75
    assert summary["slow"] == {"slow": 1, "very_slow": 0, "critical": 0}
    assert summary["throughput_rps"] == 0.4
    assert routes[1].summary()["slow"]["critical"] == 1
    assert ok.count == 3  # inputs untouched


def _worker(worker_id: str, snaps: list[RouteSnapshot]) -> WorkerSnapshot:
    return WorkerSnapshot(
        worker_id=worker_id,
        pid=1,
        started_at=1000.0,
        taken_at=1010.0,
        rss_bytes=1_048_576,
        loop_lag=LagWindow().summary(),
        routes=snaps,
        recent_slow=[{"time": f"2024-01-01T00:00:0{worker_id[-1]}Z", "route": "/x"}],
    )


def test_worker_snapshots_round_trip_and_reject_garbage() -> None:
    worker = _worker("w1", [_snapshot("GET", "/a", "2xx", [1, 2, 3])])
    back = WorkerSnapshot.from_wire(worker.to_wire())
    assert back.worker_id == "w1" and back.uptime_s == 10.0
    assert back.routes[0].summary() == worker.routes[0].summary()
    for raw in (b"{", b'{"schema_version": 99}', b'{"schema_version": 1}', b"[]"):
        with pytest.raises(SnapshotDecodeError):
            WorkerSnapshot.from_wire(raw)


def test_report_merges_workers() -> None:
    w1 = _worker("w1", [_snapshot("GET", "/a", "2xx", [10, 60])])
    w2 = _worker("w2", [_snapshot("GET", "/a", "2xx", [20]), _snapshot("GET", "/b", "4xx", [5])])
    ctx = ReportContext(Thresholds(50, 150, 400), True, "logs/slow.log", 48, 10, source="redis")
    report = build_report([w1, w2], ctx, now=1010.0)
    assert report["schema_version"] == 1
    assert report["performance"] == {
        "totalRequests": 4,
        "slowRequests": 1,
        "averageResponseTime": 23.75,
    }
    assert report["summary"]["status"] == {"2xx": 3, "4xx": 1}
    assert report["routes"][0]["route"] == "/a" and report["routes"][0]["count"] == 3
    assert report["thresholds"] == {"slow_ms": 50, "very_slow_ms": 150, "critical_ms": 400}
    assert report["memory"]["rss_bytes"] == 2 * 1_048_576
    assert report["workers"] == {"count": 2, "ids": ["w1", "w2"], "source": "redis", "error": None}
    assert [e["time"][-2] for e in report["slow_requests"]["recent"]] == ["2", "1"]
    assert report["hourly"]["overall"][0]["count"] == 4
    assert set(report["hourly"]["routes"]) == {"GET /a", "GET /b"}


def test_lag_window_summary() -> None:
    window = LagWindow(size=3)
    assert window.summary()["samples"] == 0
    for lag in (1.0, -0.5, 9.0, 2.0):
        window.add(lag)
    summary = window.summary()
    assert summary["samples"] == 3 and summary["max_ms"] == 9.0 and summary["last_ms"] == 2.0
