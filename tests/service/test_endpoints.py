"""Every endpoint of the reference service over real HTTP on loopback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from perfkit.connection import Keyspace, RedisTarget
from perfkit.service.app import create_app
from perfkit.service.state import ServiceState
from perfkit.serving import serve_app
from tests.service.conftest import service_settings


def test_health_endpoints(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "redis": "healthy"}
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["redis"] == "healthy"
    assert set(body["providers"]) == {"spotify", "chat"}


def test_profile_is_cached_as_a_user_profile(client: httpx.Client, state: ServiceState) -> None:
    first = client.get("/api/spotify/me", headers={"X-User-ID": "u42"})
    second = client.get("/api/spotify/me", headers={"X-User-ID": "u42"})
    assert first.status_code == 200 and first.json() == second.json()
    assert first.json()["id"] == "u42"
    assert state.spotify.profile.calls == 1
    stats = client.get("/api/cache/stats").json()
    assert stats["namespaces"]["users"]["hits"] == 1
    assert stats["namespaces"]["users"]["misses"] == 1


def test_audio_features_batch_only_fetches_misses(
    client: httpx.Client, state: ServiceState
) -> None:
    client.get("/api/spotify/audio-features", params={"ids": "a1,b2"})
    body = client.get("/api/spotify/audio-features", params={"ids": "b2,c3,a1,c3"}).json()
    assert [f["id"] for f in body["audio_features"]] == ["b2", "c3", "a1", "c3"]
    assert state.spotify.profile.calls == 2  # the second call fetched only c3
    assert client.get("/api/cache/stats").json()["namespaces"]["audio"]["hits"] == 2


def test_recommendations_and_chat(client: httpx.Client) -> None:
    recs = client.get("/api/recommendations", params={"seed": "rock", "limit": "3"}).json()
    assert recs["seed"] == "rock" and len(recs["tracks"]) == 3
    first = client.post("/api/chat", json={"message": "something calm", "session_id": "s1"})
    second = client.post("/api/chat", json={"message": "and more", "session_id": "s1"})
    assert first.status_code == 200
    assert "(turn 1)" in first.json()["reply"] and "(turn 2)" in second.json()["reply"]


@pytest.mark.parametrize(
    ("path", "params", "needle"),
    [
        ("/api/spotify/audio-features", {"ids": ",".join(["a"] * 10_000)}, "ids"),
        ("/api/spotify/audio-features", {"ids": "caf\u00e9"}, "ASCII"),
        ("/api/spotify/audio-features", {"ids": ""}, "required"),
        ("/api/spotify/audio-features", {}, "required"),
        ("/api/spotify/audio-features", {"ids": "a,,b"}, "ASCII"),
        ("/api/recommendations", {"limit": "0"}, "limit"),
        ("/api/recommendations", {"seed": "x" * 100}, "seed"),
    ],
)
def test_malformed_queries_get_a_clear_400(
    client: httpx.Client, path: str, params: dict[str, str], needle: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert needle in response.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1]",
        b'{"message": ""}',
        b'{"message": "hi", "admin": true}',
        b'{"message": "hi", "session_id": "../x"}',
    ],
)
def test_malformed_chat_bodies_get_a_clear_400(client: httpx.Client, body: bytes) -> None:
    response = client.post("/api/chat", content=body)
    assert response.status_code == 400
    assert response.json()["message"]


def test_performance_report_records_route_templates(client: httpx.Client) -> None:
    client.get("/api/spotify/me")
    client.get("/api/no/such/path")
    report = client.get("/api/performance").json()
    text = str(report)
    assert "/api/spotify/me" in text
    assert "/api/no/such/path" not in text


def test_rate_limit_and_redis_health(client: httpx.Client) -> None:
    client.get("/api/spotify/me")
    stats = client.get("/api/rate-limit/stats").json()
    policies = {p["name"]: p for p in stats["config"]["policies"]}
    assert {name: (p["limit"], p["window_seconds"]) for name, p in policies.items()} == {
        "global": (1000, 900), "api": (500, 900), "chat": (30, 60),
        "spotify": (50, 60), "auth": (20, 900),
    }  # fmt: skip
    assert stats["decisions_by_backend"]["redis"] >= 1
    health = client.get("/api/redis/health").json()
    assert health["status"] == "healthy" and health["version"]


def test_analytics_has_the_seeds_shape(client: httpx.Client) -> None:
    client.get("/api/spotify/me")
    report = client.get("/api/mcp/analytics").json()
    summary = report["sections"]["executive_summary"]
    assert report["title"]
    assert summary["status"] in {"good", "warning", "critical"}
    assert 0 <= summary["health_score"] <= 100
    assert set(summary["key_metrics"]) >= {
        "total_requests", "average_response_time", "cache_hit_rate", "redis_status"
    }  # fmt: skip


def test_analytics_reads_the_thresholds_from_the_environment_as_the_cli_does(
    redis_target: RedisTarget, keyspace: Keyspace, tmp_path: Path
) -> None:
    settings = service_settings(redis_target.url, keyspace, tmp_path, PERFKIT_SLO="0.9")
    with serve_app(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        http.get("/api/spotify/me")
        health = http.get("/api/mcp/analytics").json()["sections"]["health"]
    assert health["error_budget"]["slo"] == 0.9  # the default is 0.999


def test_metrics_parse_and_carry_latency_cache_and_limiter(client: httpx.Client) -> None:
    client.get("/api/spotify/me")
    client.get("/api/spotify/me")
    text = client.get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert "perfkit_http_request_duration_seconds" in families
    hits = {s.labels["namespace"]: s.value for s in families["perfkit_cache_hits"].samples
            if s.name.endswith("_total")}  # fmt: skip
    assert hits["users"] == 1
    decisions = families["perfkit_ratelimit_decisions"].samples
    assert any(s.labels["outcome"] == "allowed" and s.value > 0 for s in decisions)
