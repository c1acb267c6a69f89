"""Cold vs warm: what the cache takes off the latency of each cached endpoint.

For each endpoint, ``keys`` fresh keys (a user, a set of tracks, a seed never asked
before); each key is requested twice in a row: the first request misses and waits for the
simulated upstream (cold), the second is served from Redis (warm). Cold and warm run
side by side, key after key, so machine noise hits both alike. The target is a
40-60 % cut in latency; `cold_warm_summary` reports what was measured.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

from perfkit.errors import PerfkitError
from perfkit.lab.pacer import Request
from perfkit.lab.service import LabService
from perfkit.live import CACHE_STATS

#: endpoint name -> the cache namespace that serves it
CACHED_ENDPOINTS = {"spotify-me": "users", "audio-features": "audio",
                    "recommendations": "recommendations"}  # fmt: skip


def key_requests(nonce: str, i: int) -> list[Request]:
    """One request per cached endpoint for key number ``i`` (never cached before)."""
    key = f"lab{nonce}{i}"
    return [
        Request("spotify-me", "/api/spotify/me", headers={"x-user-id": key}),
        Request("audio-features", f"/api/spotify/audio-features?ids={key}a,{key}b,{key}c"),
        Request("recommendations", f"/api/recommendations?seed={key}&limit=10"),
    ]


@dataclass(frozen=True)
class CacheLab:
    """``samples``: endpoint, key, phase (cold/warm), status, latency_ms per request;
    ``stats_before`` / ``stats_after``: the service's ``/api/cache/stats``."""

    samples: pd.DataFrame
    stats_before: dict[str, Any]
    stats_after: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        return cold_warm_summary(self.samples)

    def namespace_counts(self) -> pd.DataFrame:
        return namespace_delta(self.stats_before, self.stats_after)


def measure_cold_warm(service: LabService, keys: int = 10) -> CacheLab:
    """Request every cached endpoint cold then warm for ``keys`` fresh keys."""
    if keys < 1:
        raise PerfkitError(f"keys must be >= 1 (got {keys})")
    nonce = uuid.uuid4().hex[:8]
    rows = []
    before = service.get_json(CACHE_STATS)
    with httpx.Client(base_url=service.url, timeout=10.0) as client:
        client.get("/health")  # open the connection first: cold means the cache, not TCP
        for i in range(keys):
            for request in key_requests(nonce, i):
                for phase in ("cold", "warm"):
                    started = time.perf_counter()
                    response = client.get(request.path, headers=request.headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    rows.append((request.name, i, phase, response.status_code, elapsed))
    after = service.get_json(CACHE_STATS)
    samples = pd.DataFrame(rows, columns=["endpoint", "key", "phase", "status", "latency_ms"])
    return CacheLab(samples, before, after)


def cold_warm_summary(samples: pd.DataFrame) -> pd.DataFrame:
    """Per endpoint: cold and warm median latency, and the cut (1 - warm / cold) in %."""
    ok = samples[samples["status"] == 200]
    medians = ok.pivot_table(index="endpoint", columns="phase", values="latency_ms",
                             aggfunc="median")  # fmt: skip
    table = pd.DataFrame(
        {
            "cold p50 ms": medians["cold"].round(2),
            "warm p50 ms": medians["warm"].round(2),
            "cut %": (100 * (1 - medians["warm"] / medians["cold"])).round(1),
            "requests": ok.groupby("endpoint").size(),
        }
    )
    return table.reindex([e for e in CACHED_ENDPOINTS if e in table.index])


def namespace_delta(before: dict[str, Any], after: dict[str, Any]) -> pd.DataFrame:
    """Hits, misses and upstream (loader) calls per namespace during the measurement."""
    rows = []
    for endpoint, namespace in CACHED_ENDPOINTS.items():
        b = before.get("namespaces", {}).get(namespace, {})
        a = after.get("namespaces", {}).get(namespace, {})
        rows.append(
            {
                "endpoint": endpoint,
                "namespace": namespace,
                **{k: a.get(k, 0) - b.get(k, 0) for k in ("hits", "misses", "loader_calls",
                                                          "fallback_hits")},
            }
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("endpoint")
