"""The tutorial app (examples/fastapi_app.py) served by uvicorn over loopback on the test
session's Redis: cached, limited and measured routes, /metrics, and perfkit's own load
runs against it: `perfkit init --from-openapi` writes a scenario of its routes, then
`perfkit smoke` and `perfkit baseline` run it with no 404 and no unexpected status."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from perfkit.connection import RedisTarget
from perfkit.serving import serve_process

# one tutorial app served for every test: on one xdist worker, started once
pytestmark = pytest.mark.xdist_group("tutorial-app")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tutorial(redis_target: RedisTarget, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {**os.environ, "REDIS_URL": redis_target.url,
           "REDIS_KEY_PREFIX": f"tutorial-{uuid.uuid4().hex[:8]}:",
           "PERFKIT_SLOW_LOG_PATH": str(tmp_path_factory.mktemp("logs") / "slow.log")}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(REPO), "--host", "127.0.0.1",
               "--port", "{port}", "--log-level", "warning",
               "examples.fastapi_app:app"]  # fmt: skip
    with serve_process(command, name="the tutorial app", ready_path="/health", env=env) as served:
        yield served.url


def test_the_cached_route_loads_once_and_metrics_say_so(tutorial: str) -> None:
    with httpx.Client(base_url=tutorial) as client:
        first, second = client.get("/users/7"), client.get("/users/7")
        assert first.json() == second.json() == {"id": 7, "name": "user 7"}
        metrics = client.get("/metrics").text
    assert 'perfkit_cache_hits_total{namespace="users"} 1.0' in metrics
    assert 'perfkit_cache_misses_total{namespace="users"} 1.0' in metrics
    assert 'route="/users/{user_id}"' in metrics  # measured by its template


def test_search_is_limited_per_client_with_retry_after(tutorial: str) -> None:
    with httpx.Client(base_url=tutorial) as client:
        statuses = [client.get("/search", params={"q": "tea"}).status_code for _ in range(31)]
        refused = client.get("/search")
    assert statuses == [200] * 30 + [429]
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-limit"] == "30"


def test_me_is_limited_per_api_key(tutorial: str) -> None:
    with httpx.Client(base_url=tutorial) as client:
        first_key = [client.get("/me", headers={"x-api-key": "a"}).status_code for _ in range(8)]
        other_key = client.get("/me", headers={"x-api-key": "b"})
    assert first_key[:5] == [200] * 5 and 429 in first_key[5:]
    assert other_key.status_code == 200


def _perfkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.slow
def test_init_from_openapi_then_smoke_and_baseline_request_only_real_routes(
    tutorial: str, tmp_path: Path
) -> None:
    made = _perfkit("init", "--from-openapi", f"{tutorial}/openapi.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    scenario = (tmp_path / "performance" / "scenario.toml").read_text()
    assert scenario.count("[[endpoints]]") - scenario.count("# [[endpoints]]") == 6
    assert '# method = "POST"' in scenario and '# method = "DELETE"' in scenario
    assert f'target = "{tutorial}"' in (tmp_path / "perfkit.toml").read_text()

    smoke = _perfkit("smoke", "--duration", "2", "--concurrency", "2", cwd=tmp_path)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    baseline = _perfkit("baseline", "--duration", "1", "--concurrency", "2", cwd=tmp_path)
    assert baseline.returncode == 0, baseline.stderr
    folder = tmp_path / "reports" / "performance"
    runs = [*folder.glob("smoke-*.json"), *folder.glob("baseline-*.json")]
    assert len(runs) == 2
    for path in runs:
        for endpoint in orjson.loads(path.read_bytes())["endpoints"]:
            statuses = {int(code) for code in endpoint["stats"]["status_counts"]}
            assert statuses, endpoint["name"]
            assert all(200 <= s < 300 or s in (422, 429) for s in statuses), endpoint
            assert 404 not in statuses, endpoint["name"]
