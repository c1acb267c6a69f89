"""`perfkit.asgi.Perfkit` honours ``PERFKIT_PROFILE`` as the reference service does: the
tutorial app (examples/fastapi_app.py), served by uvicorn over loopback on the session's
Redis, samples per route and serves ``/_perfkit/profile``, and ``perfkit baseline`` keeps
the profile beside its run; with profiling off there is no profile endpoint, no sidecar
and no sampler in the middleware."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from perfkit.asgi import Perfkit
from perfkit.config import Settings
from perfkit.connection import RedisTarget
from perfkit.profiling import PROFILE_PATH, ProfileSet
from perfkit.profiling.capture import fetch_profile
from perfkit.serving import serve_process

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tutorial_env(redis_target: RedisTarget, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_target.url,
            "REDIS_KEY_PREFIX": f"profiled-{uuid.uuid4().hex[:8]}:",
            "PERFKIT_SLOW_LOG_PATH": str(tmp_path / "slow.log")}  # fmt: skip


def _serve(env: dict[str, str]) -> Iterator[str]:
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(REPO), "--host", "127.0.0.1",
               "--port", "{port}", "--log-level", "warning",
               "examples.fastapi_app:app"]  # fmt: skip
    with serve_process(command, name="the tutorial app", ready_path="/health", env=env) as served:
        yield served.url


@pytest.fixture
def profiled(tutorial_env: dict[str, str]) -> Iterator[str]:
    # 0.5 ms between samples: the tutorial's routes take about a millisecond of CPU each
    yield from _serve({**tutorial_env, "PERFKIT_PROFILE": "true",
                       "PERFKIT_PROFILE_INTERVAL_MS": "0.5"})  # fmt: skip


@pytest.fixture
def unprofiled(tutorial_env: dict[str, str]) -> Iterator[str]:
    yield from _serve({**tutorial_env, "PERFKIT_PROFILE": "false"})


def _baseline(url: str, project: Path) -> list[Path]:
    """``perfkit init --from-openapi`` then a one-second ``perfkit baseline`` in ``project``;
    the files the run wrote."""
    for args in (["init", "--from-openapi", f"{url}/openapi.json"],
                 ["baseline", "--duration", "1", "--concurrency", "2"]):  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "perfkit", *args], cwd=project,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    return sorted((project / "reports" / "performance").iterdir())


def test_the_tutorial_app_profiles_each_route_and_baseline_keeps_the_profile(
    profiled: str, tmp_path: Path
) -> None:
    fetch_profile(profiled, reset=True)
    with httpx.Client(base_url=profiled) as client:
        for _ in range(200):
            assert client.get("/items").status_code == 200
    profile = fetch_profile(profiled)
    assert profile is not None
    items = profile.routes["GET /items"]
    assert items.requests == 200
    assert sum(items.stacks.values()) > 0 and items.cpu_us > 0

    files = _baseline(profiled, tmp_path)
    kept = [path for path in files if path.name.endswith(".profile.json.gz")]
    assert len(kept) == 1, [path.name for path in files]
    routes = ProfileSet.read(kept[0]).routes
    assert routes["GET /items"].requests > 0
    assert sum(sum(route.stacks.values()) for route in routes.values()) > 0


def test_without_profile_there_is_no_endpoint_no_sidecar_and_no_sampler(
    unprofiled: str, tmp_path: Path, redis_target: RedisTarget
) -> None:
    assert httpx.get(unprofiled + PROFILE_PATH).status_code == 404
    assert fetch_profile(unprofiled) is None
    files = _baseline(unprofiled, tmp_path)
    assert not [path for path in files if ".profile." in path.name]

    off = Perfkit(Settings.from_env({"REDIS_URL": redis_target.url}))
    on = Perfkit(Settings.from_env({"REDIS_URL": redis_target.url, "PERFKIT_PROFILE": "true"}))
    assert off.measurement.middleware().kwargs["profiler"] is None  # the unprofiled code path
    assert on.measurement.middleware().kwargs["profiler"] is not None
