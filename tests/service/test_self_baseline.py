"""``POST /api/performance/baseline`` over real HTTP, with the limiter enforcing on Redis.

One limit of 20 requests per 15 minutes for the music API (the status polling stays out
of it): a 2 s baseline at concurrency 4 sends more than that there, so a baseline that
were limited would see 429s and spend the caller's quota (both come from 127.0.0.1).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from perfkit.connection import Keyspace, RedisTarget
from perfkit.embedded import free_port
from perfkit.service.app import create_app
from perfkit.service.baseline_job import SELF_BASELINE_HEADER
from perfkit.serving import serve_app
from tests.service.conftest import TOKEN, service_settings

AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT = 20
LIMITED = ("/api/spotify", "/api/recommendations", "/api/chat", "/api/health")


@pytest.fixture
def workers(
    redis_target: RedisTarget, keyspace: Keyspace, tmp_path: Path
) -> Iterator[list[httpx.Client]]:
    """Two workers of one service: two apps on one Redis and key prefix, behind the
    first one's address (as uvicorn --workers 2 shares one port)."""
    port = free_port()
    policies = tmp_path / "limits.toml"
    prefixes = orjson.dumps(list(LIMITED)).decode()
    policies.write_text(f"[limits.music]\nlimit = {LIMIT}\nwindow = 900\nprefixes = {prefixes}\n")
    settings = service_settings(
        redis_target.url,
        keyspace,
        tmp_path,
        PERFKIT_SELF_URL=f"http://127.0.0.1:{port}",
        PERFKIT_RATELIMIT_POLICIES=str(policies),
        PERFKIT_SELF_BASELINE_DURATION="2",
    )
    with ExitStack() as stack:
        urls = [
            stack.enter_context(serve_app(create_app(settings), port=port)),
            stack.enter_context(serve_app(create_app(settings))),
        ]
        yield [stack.enter_context(httpx.Client(base_url=url, timeout=30)) for url in urls]


def _wait(client: httpx.Client, status_url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    status: dict[str, Any] = client.get(status_url).json()
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = client.get(status_url).json()
    return status


def test_the_self_baseline_is_not_limited_and_spends_no_quota(
    workers: list[httpx.Client],
) -> None:
    first = workers[0]
    before = int(first.get("/api/spotify/me").headers["ratelimit-remaining"])
    started = first.post("/api/performance/baseline", headers=AUTH)
    assert started.status_code == 202, started.text
    status = _wait(first, started.json()["status_url"])
    assert status["status"] == "done", status
    run = orjson.loads(Path(status["artifacts"]["json"]).read_bytes())
    overall = run["overall"]
    limited = [e for e in run["endpoints"] if e["path"].startswith(LIMITED)]
    assert sum(e["stats"]["count"] for e in limited) > LIMIT  # more than the limit would allow
    assert set(overall["status_counts"]) == {"200"}, overall["status_counts"]
    assert run["smoke"]["passed"] is True
    after = int(first.get("/api/spotify/me").headers["ratelimit-remaining"])
    assert before - after <= 2  # this test's own request (and the one before), nothing else


def test_the_self_baseline_runs_in_its_own_process(workers: list[httpx.Client]) -> None:
    started = workers[0].post("/api/performance/baseline", headers=AUTH).json()
    assert started["pid"] not in (None, os.getpid())
    assert _wait(workers[0], started["status_url"])["status"] == "done"


def test_the_target_is_the_configured_address_never_the_host_header(
    workers: list[httpx.Client],
) -> None:
    first = workers[0]
    started = first.post(
        "/api/performance/baseline", headers={**AUTH, "Host": "victim.example:8080"}
    )
    status = _wait(first, started.json()["status_url"])
    run = orjson.loads(Path(status["artifacts"]["json"]).read_bytes())
    assert run["target_url"] == str(first.base_url).rstrip("/")


def test_one_baseline_at_a_time_across_workers_with_status_on_every_worker(
    workers: list[httpx.Client],
) -> None:
    first, second = workers
    started = first.post("/api/performance/baseline", headers=AUTH)
    assert started.status_code == 202
    assert second.post("/api/performance/baseline", headers=AUTH).status_code == 409
    job = started.json()
    seen = second.get(job["status_url"])
    assert seen.status_code == 200 and seen.json()["run_id"] == job["run_id"]
    assert _wait(second, job["status_url"])["status"] == "done"
    again = second.post("/api/performance/baseline", headers=AUTH)  # free again
    assert again.status_code == 202
    _wait(second, again.json()["status_url"])


def test_a_guessed_self_baseline_header_is_limited_like_anyone(
    workers: list[httpx.Client],
) -> None:
    first = workers[0]
    forged = {SELF_BASELINE_HEADER: "guess"}
    remaining = [
        int(first.get("/api/spotify/me", headers=forged).headers["ratelimit-remaining"])
        for _ in range(3)
    ]
    assert remaining == sorted(remaining, reverse=True) and remaining[0] > remaining[-1]
