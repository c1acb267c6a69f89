"""`perfkit redis ...` run as a user runs it: a subprocess with an environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from perfkit.connection import Keyspace, RedisTarget, SyncClient
from perfkit.embedded import free_port


def perfkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REDIS_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "perfkit", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_version() -> None:
    result = perfkit("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("perfkit ")


def test_health_without_redis_url_uses_the_embedded_server_and_leaves_nothing() -> None:
    result = perfkit("redis", "health", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "healthy"
    assert report["url"].startswith("redis://127.0.0.1:")
    port = report["url"].rsplit(":", 1)[1]
    leftover = subprocess.run(["pgrep", "-f", f"--port {port} "], capture_output=True)
    assert leftover.stdout == b"", "an embedded server was left running"


def test_unreachable_redis_is_unhealthy_exit_1() -> None:
    result = perfkit("redis", "health", env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}"})
    assert result.returncode == 1
    assert "unhealthy" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["memcached://localhost:11211", "redis://host:port"])
def test_malformed_url_is_one_line_exit_2(url: str) -> None:
    result = perfkit("redis", "stats", env={"REDIS_URL": url})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "REDIS_URL" in lines[0]


def _env(target: RedisTarget, keyspace: Keyspace) -> dict[str, str]:
    return {"REDIS_URL": target.url, "REDIS_KEY_PREFIX": keyspace.prefix}


def test_clear_namespace_removes_exactly_its_keys(
    redis_target: RedisTarget, redis_client: SyncClient, keyspace: Keyspace
) -> None:
    other = Keyspace(keyspace.prefix.rstrip(":") + "-other:")
    for i in range(1200):  # more than one UNLINK batch
        redis_client.set(keyspace.key("audio", str(i)), i)
    redis_client.set(keyspace.key("audiox", "1"), 1)  # a namespace sharing a stem
    redis_client.set(keyspace.key("recommendations", "1"), 1)
    redis_client.set(other.key("audio", "1"), 1)
    redis_client.set("audio:1", 1)
    try:
        result = perfkit("redis", "clear", "--namespace", "audio", "--yes",
                         env=_env(redis_target, keyspace))  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "removed 1200 keys" in result.stdout
        assert not list(redis_client.scan_iter(match=keyspace.pattern("audio")))
        assert redis_client.exists(keyspace.key("audiox", "1"))
        assert redis_client.exists(keyspace.key("recommendations", "1"))
        assert redis_client.exists(other.key("audio", "1"))
        assert redis_client.exists("audio:1")
    finally:
        redis_client.delete(other.key("audio", "1"), "audio:1")


def test_clear_refuses_glob_namespaces_and_needs_yes(
    redis_target: RedisTarget, redis_client: SyncClient, keyspace: Keyspace
) -> None:
    redis_client.set(keyspace.key("audio", "1"), 1)
    for namespace in ("a*", "[a]udio", "?udio"):
        result = perfkit("redis", "clear", "-n", namespace, "--yes",
                         env=_env(redis_target, keyspace))  # fmt: skip
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
    result = perfkit("redis", "clear", "-n", "audio", env=_env(redis_target, keyspace))
    assert result.returncode == 2 and "--yes" in result.stderr
    assert redis_client.exists(keyspace.key("audio", "1"))


def test_stats_counts_keys_per_namespace(
    redis_target: RedisTarget, redis_client: SyncClient, keyspace: Keyspace
) -> None:
    for i in range(5):
        redis_client.set(keyspace.key("audio", str(i)), i)
    redis_client.set(keyspace.key("profiles", "me"), 1)
    redis_client.get(keyspace.key("audio", "0"))
    result = perfkit("redis", "stats", "--json", env=_env(redis_target, keyspace))
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["keys_by_namespace"] == {"audio": 5, "profiles": 1}
    assert stats["keyspace_hits"] >= 1
    assert stats["used_memory"] > 0


def test_redis_commands_reach_the_embedded_redis_of_a_running_serve(tmp_path: Path) -> None:
    """Without REDIS_URL, `perfkit serve` starts an embedded Redis: the redis commands
    run in the same project find it through serve's state file, and say so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDIS_")}
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "perfkit", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    state = tmp_path / ".perfkit" / "serve.json"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if state.exists() and httpx.get(f"http://127.0.0.1:{port}/health").is_success:
                    break
            except httpx.HTTPError:
                pass
            assert serve.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        httpx.get(f"http://127.0.0.1:{port}/api/spotify/me")  # caches a user profile
        result = subprocess.run(
            [sys.executable, "-m", "perfkit", "redis", "stats", "--json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["keys_by_namespace"].get("users", 0) >= 1
        assert "perfkit serve" in result.stderr
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert not state.exists()
