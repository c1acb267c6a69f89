"""``redis_health``, ``cache_stats`` and ``rate_limit_stats``: of a live service or of Redis.

With ``url`` (on the allow-list) each reads the service's own endpoint
(``/api/redis/health``, ``/api/cache/stats``, ``/api/rate-limit/stats``). Without, each
asks the Redis the server is configured with (``REDIS_URL``): the health probe and the
key counts of ``perfkit redis health|stats``, and for the rate limiter its configured
policies beside the count of its keys. The Redis address is shown with its password
masked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import httpx
from mcp.server import MCPServer
from pydantic import Field

from perfkit.connection import Keyspace, RedisTarget, health, sync_client, target_from_settings
from perfkit.errors import ConfigError, InputError
from perfkit.keyspace_admin import keyspace_stats
from perfkit.live import CACHE_STATS, HEALTH_STATUSES, RATE_LIMIT_STATS, REDIS_HEALTH, read_document
from perfkit.mcp.config import McpConfig
from perfkit.mcp.context import ServerContext
from perfkit.mcp.models import ServiceDocument
from perfkit.mcp.tools.history import READ_ONLY
from perfkit.ratelimit.settings import LimiterConfig
from perfkit.service.policies import service_policies

_LIVE_TIMEOUT_S = 10.0
_RATE_LIMIT_NAMESPACE = "rl"
Url = Annotated[
    str | None,
    Field(description="a live service on the allow-list; none: the server's Redis (REDIS_URL)"),
]
RedisQuery = Callable[[McpConfig, RedisTarget], dict[str, Any]]


def _live(config: McpConfig, url: str, path: str, statuses: tuple[int, ...]) -> ServiceDocument:
    root = config.allowed_target(url)
    with httpx.Client(timeout=_LIVE_TIMEOUT_S) as client:
        document = read_document(client, f"{root}{path}", statuses=statuses)
    return ServiceDocument(source="live", address=root, document=document)


def _redis(config: McpConfig, query: RedisQuery) -> ServiceDocument:
    try:
        target = target_from_settings(config.settings)
    except ConfigError:
        raise InputError(
            "the server has no Redis configured (REDIS_URL): give the url of a live service"
        ) from None
    return ServiceDocument(
        source="redis", address=target.redacted(), document=query(config, target)
    )


def _health(config: McpConfig, target: RedisTarget) -> dict[str, Any]:
    client = sync_client(target)
    try:
        return health(client).to_dict()
    finally:
        client.close()


def _keys(config: McpConfig, target: RedisTarget) -> dict[str, Any]:
    client = sync_client(target)
    try:
        return keyspace_stats(client, Keyspace(config.settings.redis_key_prefix)).to_dict()
    finally:
        client.close()


def _limiter(config: McpConfig, target: RedisTarget) -> dict[str, Any]:
    keys = _keys(config, target)
    return {
        "config": LimiterConfig.from_settings(config.settings, service_policies()).describe(),
        "keys": keys["keys_by_namespace"].get(_RATE_LIMIT_NAMESPACE, 0),
        "prefix": keys["prefix"],
    }


def register(server: MCPServer, ctx: ServerContext) -> None:
    config, guard = ctx.config, ctx.guard

    def answer(
        url: str | None, path: str, query: RedisQuery, statuses: tuple[int, ...] = (200,)
    ) -> ServiceDocument:
        with guard.tool():
            if url is not None:
                return guard.clean(_live(config, url, path, statuses))
            return guard.clean(_redis(config, query))

    @server.tool(annotations=READ_ONLY)
    def redis_health(url: Url = None) -> ServiceDocument:
        """Redis health: status, PING ms, server, version, memory, clients."""
        return answer(url, REDIS_HEALTH, _health, HEALTH_STATUSES)

    @server.tool(annotations=READ_ONLY)
    def cache_stats(url: Url = None) -> ServiceDocument:
        """Cache statistics: a service's hits, misses and hit rate per namespace, or the keys
        per namespace and the hit counters of the server's Redis."""
        return answer(url, CACHE_STATS, _keys)

    @server.tool(annotations=READ_ONLY)
    def rate_limit_stats(url: Url = None) -> ServiceDocument:
        """Rate limiter statistics: a service's decisions per policy, or the configured
        policies and the limiter's key count in the server's Redis."""
        return answer(url, RATE_LIMIT_STATS, _limiter)
