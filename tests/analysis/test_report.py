from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from perfkit.analysis.artifacts import write_report
from perfkit.analysis.report import analytics_from_live, analytics_from_run

from .conftest import MakeRun

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

PERFORMANCE = {
    "generated_at": "2025-01-02T03:04:05Z",
    "summary": {
        "total_requests": 1000,
        "errors": 60,
        "slow_requests": 150,
        "latency_ms": {"mean": 420.0, "p95": 1500.0, "p99": 2100.0},
    },
    "slow_requests": {"counts": {"slow": 140, "very_slow": 10, "critical": 0}},
    "routes": [
        {
            "method": "POST",
            "route": "/api/chat",
            "count": 400,
            "errors": 50,
            "status": {"200": 350, "429": 50},
            "latency_ms": {"mean": 900.0, "p95": 1800.0, "p99": 2500.0},
            "slow": {"slow": 140, "very_slow": 10, "critical": 0},
        },
        {
            "method": "GET",
            "route": "/health",
            "count": 600,
            "errors": 10,
            "status": {"200": 590, "503": 10},
            "latency_ms": {"mean": 2.0, "p95": 4.0, "p99": 6.0},
            "slow": {"slow": 0, "very_slow": 0, "critical": 0},
        },
    ],
}
CACHE = {"global": {"hits": 30, "misses": 70}}
REDIS = {"status": "healthy", "response_time_ms": 0.4}


def test_live_report_has_the_seed_shape_and_figures() -> None:
    report = analytics_from_live(PERFORMANCE, CACHE, REDIS, now=NOW)
    assert set(report) >= {"title", "sections"}
    summary = report["sections"]["executive_summary"]
    assert set(summary) >= {"status", "health_score", "key_metrics"}
    assert summary["key_metrics"] == {
        "total_requests": 1000,
        "average_response_time": 420.0,
        "cache_hit_rate": 30.0,
        "redis_status": "healthy",
    }
    # slow rate 15 % (-20) and cache hit rate 30 % (-10)
    assert summary["health_score"] == 70
    rules = {d["rule"]: d["figure"] for d in report["sections"]["health"]["deductions"]}
    assert rules == {"slow_request_rate": 0.15, "cache_hit_rate": 0.3}
    # /api/chat fails 12.5 % of requests: a critical alert makes the status critical
    assert summary["status"] == "critical"


def test_live_recommendations_name_route_figure_and_action() -> None:
    report = analytics_from_live(PERFORMANCE, CACHE, REDIS, now=NOW)
    recs = report["sections"]["recommendations"]
    limited = [r for r in recs if r["route"] == "POST /api/chat" and "429" in r["figure"]]
    assert limited and "rate limit" in limited[0]["action"]
    assert any(r["route"] == "GET /health" and "5xx" in r["figure"] for r in recs)
    assert any(r["route"] is None and "cache hit rate 30.0%" in r["figure"] for r in recs)
    assert all(r["action"] for r in recs)


def test_a_healthy_live_service_needs_nothing() -> None:
    quiet = {
        "summary": {
            "total_requests": 10,
            "errors": 0,
            "slow_requests": 0,
            "latency_ms": {"mean": 3.0},
        },
        "routes": [
            {
                "method": "GET",
                "route": "/health",
                "count": 10,
                "errors": 0,
                "latency_ms": {"mean": 3.0, "p95": 4.0, "p99": 5.0},
            }
        ],
    }
    report = analytics_from_live(quiet, {"global": {"hit_rate": 0.9}}, REDIS, now=NOW)
    summary = report["sections"]["executive_summary"]
    assert (summary["status"], summary["health_score"]) == ("good", 100)
    assert report["sections"]["alerts"] == [] and report["sections"]["recommendations"] == []


def test_run_report_with_a_base_has_a_comparison(make_run: MakeRun, tmp_path: Path) -> None:
    base, slow = make_run("base", seed=1), make_run("slow", seed=2, slow_ms=40.0)
    report = analytics_from_run(slow, base, now=NOW)
    sections = report["sections"]
    assert sections["comparison"]["regressed"] is True
    assert sections["health"]["apdex"]["rating"] == "excellent"
    assert sections["executive_summary"]["key_metrics"]["redis_status"] == "unknown"
    assert set(sections["health"]["not_measured"]) == {"cache_hit_rate", "redis_status"}
    assert any(a["rule"] == "regression" for a in sections["alerts"])
    json_path, md_path = write_report(report, tmp_path, now=NOW)
    assert orjson.loads(json_path.read_bytes()) == orjson.loads(orjson.dumps(report))
    text = md_path.read_text()
    assert "## Comparison: base -> slow" in text and "regressed" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mcp-analytics-20250102T030405Z.json",
        "mcp-analytics-20250102T030405Z.md",
    ]
