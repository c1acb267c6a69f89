from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from perfkit.config import Settings
from perfkit.connection import Keyspace, RedisTarget
from perfkit.embedded import free_port
from perfkit.service.app import create_app
from perfkit.service.state import ServiceState
from perfkit.serving import serve_app

TOKEN = "test-token-123"


def service_settings(url: str, keyspace: Keyspace, tmp_path: Path, **extra: str) -> Settings:
    env = {
        "REDIS_URL": url,
        "REDIS_KEY_PREFIX": keyspace.prefix,
        # perfkit's 0.5 s suits production; under a loaded test machine a slow reply would
        # let the fallback decide where a test checks Redis (see tests/conftest.py)
        "PERFKIT_REDIS_TIMEOUT": "5",
        "SLOW_REQUEST_THRESHOLD": "40",
        "VERY_SLOW_REQUEST_THRESHOLD": "200",
        "CRITICAL_REQUEST_THRESHOLD": "400",
        "PERFKIT_UPSTREAM_LATENCY_MS": "5",
        "PERFKIT_UPSTREAM_JITTER_MS": "0",
        "PERFKIT_CHAT_LATENCY_MS": "5",
        "PERFKIT_SLOW_LOG_PATH": str(tmp_path / "slow.log"),
        "PERFKIT_REPORTS_DIR": str(tmp_path / "reports"),
        "PERFKIT_BASELINE_TOKEN": TOKEN,
        "PERFKIT_SELF_BASELINE_DURATION": "1",
        **extra,
    }
    return Settings.from_env(env)


@pytest.fixture
def settings(redis_target: RedisTarget, keyspace: Keyspace, tmp_path: Path) -> Settings:
    return service_settings(redis_target.url, keyspace, tmp_path)


@pytest.fixture
def app(settings: Settings) -> Starlette:
    return create_app(settings)


@pytest.fixture
def state(app: Starlette) -> ServiceState:
    service: ServiceState = app.state.service
    return service


@pytest.fixture
def base_url(app: Starlette) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        yield http


@pytest.fixture
def redis_url_settings_without_token(
    redis_target: RedisTarget, keyspace: Keyspace, tmp_path: Path
) -> Iterator[httpx.Client]:
    settings = service_settings(redis_target.url, keyspace, tmp_path, PERFKIT_BASELINE_TOKEN="")
    with serve_app(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http


@pytest.fixture
def shadow_client(
    redis_target: RedisTarget, keyspace: Keyspace, tmp_path: Path
) -> Iterator[httpx.Client]:
    port = free_port()
    settings = service_settings(
        redis_target.url,
        keyspace,
        tmp_path,
        PERFKIT_RATELIMIT_SHADOW="true",
        PERFKIT_SELF_URL=f"http://127.0.0.1:{port}",
    )
    with (
        serve_app(create_app(settings), port=port) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http
