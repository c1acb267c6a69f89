"""Read the performance surface of a running service (`/api/performance` and friends).

One place for "GET a JSON document from a live service, or say in one line why not",
used by `perfkit analytics --live`, the MCP server's live tools, the lab and the load
runs' snapshots of their target.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import httpx

from perfkit.errors import InputError

PERFORMANCE = "/api/performance"
CACHE_STATS = "/api/cache/stats"
RATE_LIMIT_STATS = "/api/rate-limit/stats"
REDIS_HEALTH = "/api/redis/health"
ANALYTICS = "/api/mcp/analytics"
#: /api/redis/health answers 503 with its JSON document when Redis is unhealthy
HEALTH_STATUSES = (200, 503)


def read_document(
    client: httpx.Client, url: str, *, statuses: Collection[int] = (200,)
) -> dict[str, Any]:
    """``GET url`` as a JSON object; `InputError` naming the URL and the problem otherwise."""
    try:
        response = client.get(url)
        if response.status_code not in statuses:
            raise InputError(f"cannot read {url}: HTTP {response.status_code}")
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise InputError(f"cannot read {url}: {exc or type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise InputError(f"{url} did not answer a JSON object")
    return data


def optional_document(client: httpx.Client, url: str) -> dict[str, Any] | None:
    """`read_document`, or None when the target has no such route or does not answer a
    JSON object there (a target other than the reference service)."""
    try:
        return read_document(client, url)
    except InputError:
        return None


def analytics_documents(
    client: httpx.Client, root: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """What `analytics_from_live` reads: the performance report, cache stats, Redis health."""
    return (
        read_document(client, f"{root}{PERFORMANCE}"),
        read_document(client, f"{root}{CACHE_STATS}"),
        read_document(client, f"{root}{REDIS_HEALTH}", statuses=HEALTH_STATUSES),
    )
