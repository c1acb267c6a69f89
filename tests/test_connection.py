from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import redis

from perfkit.config import Settings
from perfkit.connection import (
    Keyspace,
    RedisTarget,
    ahealth,
    async_client,
    escape_glob,
    health,
    parse_redis_url,
    sync_client,
    target_from_settings,
)
from perfkit.embedded import EmbeddedServer, free_port
from perfkit.errors import ConfigError


@pytest.mark.parametrize(
    ("url", "cluster"),
    [
        ("redis://localhost:6379/0", False),
        ("rediss://user:pw@cache.example:6380", False),
        ("unix:///run/redis.sock?db=2", False),
        ("redis+cluster://10.0.0.1:7000", True),
        ("rediss+cluster://10.0.0.1:7000", True),
    ],
)
def test_accepted_urls(url: str, cluster: bool) -> None:
    target = parse_redis_url(url)
    assert target.cluster is cluster
    assert "+cluster" not in target.url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://localhost:6379", "unknown scheme"),
        ("localhost:6379", "unknown scheme"),
        ("redis://", "needs a host"),
        ("redis://localhost:notaport", "malformed"),
        ("redis://localhost:6379/abc", "not a number"),
        ("unix://", "socket path"),
        ("redis+cluster://localhost:7000/3", "Cluster"),
    ],
)
def test_bad_urls_name_the_variable_and_problem(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_redis_url(url)
    assert "REDIS_URL" in str(info.value)
    assert problem in str(info.value)


def test_password_from_url_wins_and_is_redacted() -> None:
    target = parse_redis_url("redis://app:s3cret@host:6379", password="other")
    assert target.password == "s3cret"
    assert "s3cret" not in target.redacted()
    assert (
        target_from_settings(
            Settings.from_env({"REDIS_URL": "redis://host", "REDIS_PASSWORD": "pw"})
        ).password
        == "pw"
    )


def test_cluster_setting_turns_a_plain_url_into_a_cluster() -> None:
    settings = Settings.from_env({"REDIS_URL": "redis://h:7000", "PERFKIT_REDIS_CLUSTER": "1"})
    assert target_from_settings(settings).cluster


def test_keyspace_applies_the_prefix_and_escapes_globs() -> None:
    keyspace = Keyspace("app[1]:")
    assert keyspace.key("audio", "42") == "app[1]:audio:42"
    assert keyspace.pattern("audio") == "app\\[1\\]:audio:*"
    assert keyspace.namespace_of("app[1]:audio:42") == "audio"
    assert keyspace.namespace_of("other:audio:42") is None
    assert escape_glob("a*b?c") == "a\\*b\\?c"
    for bad in ("a*", "a:b", "", "x y"):
        with pytest.raises(ConfigError):
            keyspace.key(bad)


def test_health_of_a_live_server(redis_target: RedisTarget) -> None:
    client = sync_client(redis_target)
    report = health(client)
    client.close()
    assert report.status == "healthy"
    assert report.response_time_ms is not None and report.response_time_ms >= 0
    assert report.server in {"redis", "valkey"}
    assert report.version
    assert report.used_memory and report.used_memory > 0
    assert report.connected_clients and report.connected_clients >= 1


@pytest.mark.anyio
async def test_async_health_of_a_live_server(redis_target: RedisTarget) -> None:
    client = async_client(redis_target)
    report = await ahealth(client)
    await client.aclose()
    assert report.status == "healthy"


@pytest.mark.anyio
async def test_an_async_command_on_a_dropped_connection_is_retried_once(
    redis_target: RedisTarget,
) -> None:
    client = async_client(redis_target)
    killer = sync_client(redis_target)
    try:
        assert await client.ping()
        killer.client_kill_filter(_id=await client.client_id())  # the server drops it
        assert await client.ping()  # one retry on a fresh connection, no error
    finally:
        await client.aclose()
        killer.close()


def test_an_unreachable_server_is_unhealthy_quickly() -> None:
    client = sync_client(parse_redis_url(f"redis://127.0.0.1:{free_port()}"))
    started = time.monotonic()
    report = health(client)
    assert report.status == "unhealthy"
    assert report.error and "ConnectionError" in report.error
    assert time.monotonic() - started < 3  # the outage is noticed, not waited out


def test_unix_socket_and_password(tmp_path: Path) -> None:
    socket_path = tmp_path / "r.sock"
    args = ("--unixsocket", str(socket_path), "--requirepass", "pw-123")
    with EmbeddedServer(extra_args=args):
        denied = sync_client(parse_redis_url(f"unix://{socket_path}"))
        with pytest.raises(redis.AuthenticationError):
            denied.set("k", "v")
        settings = Settings.from_env(
            {"REDIS_URL": f"unix://{socket_path}", "REDIS_PASSWORD": "pw-123"}
        )
        allowed = sync_client(target_from_settings(settings))
        assert allowed.ping()
        assert health(allowed).status == "healthy"
        allowed.close()
        denied.close()
    assert not os.path.exists(socket_path)
