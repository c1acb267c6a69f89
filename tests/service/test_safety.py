"""Limits, secrets and the baseline trigger of the reference service, over real HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from perfkit.connection import Keyspace
from perfkit.embedded import EmbeddedServer
from perfkit.service.app import create_app
from perfkit.serving import serve_app
from tests.service.conftest import TOKEN, service_settings


def test_chat_is_limited_to_30_a_minute_with_standard_headers(client: httpx.Client) -> None:
    statuses = []
    for _ in range(31):
        response = client.post("/api/chat", json={"message": "hi"})
        statuses.append(response.status_code)
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert response.json()["message"] == "Too many chat requests, please slow down."
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-limit"] == "30"
    assert response.headers["ratelimit-remaining"] == "0"
    assert client.get("/health").status_code == 200  # health checks are exempt


SURFACE = ("/api/cache/stats", "/api/rate-limit/stats", "/api/redis/health",
           "/api/performance", "/api/mcp/analytics", "/api/health", "/metrics")  # fmt: skip


def test_no_endpoint_exposes_the_redis_password_or_url(tmp_path: Path) -> None:
    secret = "pw-Zq81-secret"
    with EmbeddedServer(extra_args=("--requirepass", secret)) as server:
        url = f"redis://:{secret}@127.0.0.1:{server.port}"
        settings = service_settings(url, Keyspace("pktest-secret:"), tmp_path)
        # 30 s: the first /api/mcp/analytics imports the analysis half (scipy), by design lazily
        with (
            serve_app(create_app(settings)) as base,
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            client.get("/api/spotify/me")
            for path in SURFACE:
                body = client.get(path).text
                assert secret not in body, path
                assert f"127.0.0.1:{server.port}" not in body, path
            assert client.get("/api/redis/health").json()["status"] == "healthy"


def test_baseline_trigger_needs_the_token_and_runs_one_at_a_time(
    shadow_client: httpx.Client, tmp_path: Path
) -> None:
    # the self-baseline comes from 127.0.0.1 like this test's polling: with enforced
    # limits it would use up the test's quota, so the limiter only records (shadow mode)
    client = shadow_client
    assert client.post("/api/performance/baseline").status_code == 401
    wrong = client.post("/api/performance/baseline", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    started = client.post("/api/performance/baseline", headers={"Authorization": f"Bearer {TOKEN}"})
    assert started.status_code == 202
    job = started.json()
    busy = client.post("/api/performance/baseline", headers={"X-Perfkit-Token": TOKEN})
    assert busy.status_code == 409
    deadline = time.monotonic() + 60
    status = job
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = client.get(job["status_url"]).json()
    assert status["status"] == "done", status
    assert Path(status["artifacts"]["json"]).is_file()
    assert Path(status["artifacts"]["json"]).parent == tmp_path / "reports" / "performance"


def test_baseline_trigger_is_disabled_without_a_configured_token(
    redis_url_settings_without_token: httpx.Client,
) -> None:
    response = redis_url_settings_without_token.post("/api/performance/baseline")
    assert response.status_code == 403
    assert "PERFKIT_BASELINE_TOKEN" in response.json()["message"]
