"""Redis clients from a URL, the key prefix, and a health probe.

URL forms (``REDIS_URL``)::

    redis://[user:password@]host:port[/db]      plain TCP
    rediss://...                                 TLS (query: ssl_ca_certs=, ssl_certfile=, ...)
    unix:///path/to/redis.sock[?db=N]            a Unix socket
    redis+cluster://host:port                    a Redis Cluster (any node; the rest are found)
    rediss+cluster://host:port                   a Redis Cluster over TLS

``PERFKIT_REDIS_CLUSTER=true`` turns a plain ``redis://`` URL into a cluster connection too.
The password comes from the URL when it has one, else from ``REDIS_PASSWORD``.

Timeouts are short on purpose (``PERFKIT_REDIS_TIMEOUT``, 0.5 s by default, one retry):
the runtime half falls back to in-process state when Redis is gone, and it can only do
that quickly if an outage is noticed in well under a second.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

from perfkit.config import Settings
from perfkit.errors import ConfigError

_SCHEMES = {"redis", "rediss", "unix", "redis+cluster", "rediss+cluster"}
_DEGRADED_PING_MS = 100.0
_DEGRADED_MEMORY_RATIO = 0.9

SyncClient = redis.Redis | redis.cluster.RedisCluster
AsyncClient = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
Status = Literal["healthy", "degraded", "unhealthy"]


@dataclass(frozen=True)
class RedisTarget:
    """A validated Redis address: the URL redis-py understands and whether it is a cluster."""

    url: str
    cluster: bool
    password: str | None
    timeout: float

    def redacted(self) -> str:
        """The URL with any password replaced, safe to log or to show in stats."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def parse_redis_url(
    url: str, *, password: str | None = None, cluster: bool = False, timeout: float = 0.5
) -> RedisTarget:
    """Validate ``url``; raise `ConfigError` naming ``REDIS_URL`` and the problem."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        known = ", ".join(sorted(f"{s}://" for s in _SCHEMES))
        raise ConfigError(f"REDIS_URL has unknown scheme {parts.scheme!r} (use one of {known})")
    if scheme == "unix":
        if not parts.path:
            raise ConfigError("REDIS_URL unix:// needs a socket path, e.g. unix:///run/redis.sock")
    elif not parts.hostname:
        raise ConfigError(f"REDIS_URL {scheme}:// needs a host, e.g. {scheme}://localhost:6379")
    if port is not None and port == 0:
        raise ConfigError("REDIS_URL has port 0")
    db = parts.path.lstrip("/") if scheme != "unix" else dict(parse_qsl(parts.query)).get("db", "")
    if db and not db.isdigit():
        raise ConfigError(f"REDIS_URL database {db!r} is not a number")
    is_cluster = cluster or scheme.endswith("+cluster")
    if is_cluster and db not in ("", "0"):
        raise ConfigError("REDIS_URL selects a database, which Redis Cluster does not support")
    plain = scheme.removesuffix("+cluster") + url[len(parts.scheme) :]
    return RedisTarget(
        url=plain, cluster=is_cluster, password=parts.password or password, timeout=timeout
    )


def target_from_settings(settings: Settings, url: str | None = None) -> RedisTarget:
    """The target for ``url`` (or ``settings.redis_url``) with the settings' password and mode."""
    chosen = url or settings.redis_url
    if chosen is None:
        raise ConfigError(
            "REDIS_URL is not set: the library connects only to a Redis you name "
            "(REDIS_URL=redis://host:6379/0); the perfkit command line starts a private one "
            "(redis-server on PATH, or pip install 'perfkit[embedded]')"
        )
    return parse_redis_url(
        chosen,
        password=settings.redis_password,
        cluster=settings.redis_cluster,
        timeout=settings.redis_timeout,
    )


# The errors a command is retried on (once, on a fresh connection). redis-py 5.x
# (the floor pyproject allows) retries nothing unless told which errors; 8.x retries these
# by default.
_RETRY_ON: dict[str, Any] = {
    "retry_on_error": [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
}


def _client_kwargs(target: RedisTarget) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "socket_connect_timeout": target.timeout,
        "socket_timeout": target.timeout,
    }
    if target.password is not None:
        kwargs["password"] = target.password
    return kwargs


def sync_client(target: RedisTarget) -> SyncClient:
    """A redis-py client (or cluster client) for ``target`` with perfkit's short timeouts."""
    kwargs = _client_kwargs(target)
    if target.cluster:
        return redis.cluster.RedisCluster.from_url(target.url, **kwargs)
    return redis.Redis.from_url(target.url, retry=Retry(NoBackoff(), 1), **_RETRY_ON, **kwargs)


def async_client(target: RedisTarget) -> AsyncClient:
    """The asyncio flavour of `sync_client`."""
    kwargs = _client_kwargs(target)
    if target.cluster:
        return redis.asyncio.cluster.RedisCluster.from_url(target.url, **kwargs)
    # redis.asyncio's own Retry: the sync one's call_with_retry does not await, so a
    # dropped connection would fail its command instead of being retried once
    return redis.asyncio.Redis.from_url(
        target.url, retry=AsyncRetry(NoBackoff(), 1), **_RETRY_ON, **kwargs
    )


@dataclass(frozen=True)
class Keyspace:
    """Applies the key prefix: the one place where perfkit's Redis key names are made.

    ``key("audio", "42")`` is ``perfkit:audio:42``. A namespace may not contain ``:``
    or glob characters, so a namespace's keys can be matched exactly by `pattern`.
    """

    prefix: str = "perfkit:"

    def key(self, namespace: str, *parts: str) -> str:
        check_namespace(namespace)
        return ":".join((self.prefix + namespace, *parts))

    def pattern(self, namespace: str | None = None) -> str:
        """A SCAN MATCH pattern for every key of ``namespace`` (or of the whole prefix)."""
        base = escape_glob(self.prefix)
        if namespace is None:
            return base + "*"
        check_namespace(namespace)
        return f"{base}{escape_glob(namespace)}:*"

    def namespace_of(self, key: str) -> str | None:
        """The namespace of a key under this prefix, or None for keys outside it."""
        if not key.startswith(self.prefix):
            return None
        rest = key[len(self.prefix) :]
        return rest.split(":", 1)[0] if ":" in rest else ""


def check_namespace(namespace: str) -> None:
    if not namespace or ":" in namespace or any(c in namespace for c in "*?[]\\ \t\n"):
        raise ConfigError(
            f"namespace {namespace!r} must be non-empty, without ':', spaces or glob characters"
        )


def escape_glob(text: str) -> str:
    """Escape Redis glob metacharacters so ``text`` matches only itself."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


@dataclass(frozen=True)
class Health:
    """The answer of `health`: what ``/api/redis/health`` reports."""

    status: Status
    response_time_ms: float | None
    server: str | None = None
    version: str | None = None
    used_memory: int | None = None
    used_memory_human: str | None = None
    connected_clients: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _info_fields(info: dict[str, Any]) -> dict[str, Any]:
    """Flatten INFO; a cluster client answers one dict per node, which are summed."""
    if info and all(isinstance(v, dict) for v in info.values()):
        nodes = list(info.values())
        merged = dict(nodes[0])
        for key in ("used_memory", "connected_clients", "keyspace_hits", "keyspace_misses"):
            merged[key] = sum(int(n.get(key, 0)) for n in nodes)
        merged["cluster_nodes"] = len(nodes)
        return merged
    return info


def health_from(ping_ms: float, info: dict[str, Any]) -> Health:
    fields = _info_fields(info)
    server = "valkey" if "valkey_version" in fields else str(fields.get("server_name", "redis"))
    version = str(fields.get("valkey_version") or fields.get("redis_version") or "")
    used = int(fields.get("used_memory", 0))
    maxmemory = int(fields.get("maxmemory", 0) or 0)
    degraded = ping_ms > _DEGRADED_PING_MS or (
        maxmemory > 0 and used > _DEGRADED_MEMORY_RATIO * maxmemory
    )
    return Health(
        status="degraded" if degraded else "healthy",
        response_time_ms=round(ping_ms, 3),
        server=server,
        version=version or None,
        used_memory=used,
        used_memory_human=fields.get("used_memory_human"),
        connected_clients=int(fields.get("connected_clients", 0)),
    )


def health(client: SyncClient) -> Health:
    """PING round trip and a few INFO fields; never raises (an error is 'unhealthy')."""
    try:
        start = time.perf_counter()
        client.ping()
        ping_ms = (time.perf_counter() - start) * 1000
        info = client.info()
    except (redis.RedisError, OSError) as exc:
        return Health(status="unhealthy", response_time_ms=None, error=describe_error(exc))
    return health_from(ping_ms, info)


async def ahealth(client: AsyncClient) -> Health:
    """The asyncio flavour of `health`."""
    try:
        start = time.perf_counter()
        await client.ping()
        ping_ms = (time.perf_counter() - start) * 1000
        info = await client.info()
    except (redis.RedisError, OSError) as exc:
        return Health(status="unhealthy", response_time_ms=None, error=describe_error(exc))
    return health_from(ping_ms, info)


def describe_error(exc: BaseException) -> str:
    """One line naming a Redis failure, without URLs or passwords."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
