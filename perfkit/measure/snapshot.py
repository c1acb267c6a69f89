"""One worker's figures at one moment: what it flushes to Redis and reports from.

The wire form is one JSON document per worker (``schema_version`` 1); reading a bad or
foreign document raises `SnapshotDecodeError`, and the reader skips that worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from perfkit.measure.stats import RouteSnapshot

WIRE_VERSION = 1


class SnapshotDecodeError(ValueError):
    """A worker snapshot read back from Redis is malformed or of another version."""


@dataclass
class WorkerSnapshot:
    worker_id: str
    pid: int
    started_at: float
    taken_at: float
    rss_bytes: int
    loop_lag: dict[str, Any]
    routes: list[RouteSnapshot]
    recent_slow: list[dict[str, Any]] = field(default_factory=list)
    overflow_requests: int = 0

    @property
    def uptime_s(self) -> float:
        return max(self.taken_at - self.started_at, 0.0)

    def to_wire(self) -> bytes:
        return orjson.dumps(
            {
                "schema_version": WIRE_VERSION,
                "worker_id": self.worker_id,
                "pid": self.pid,
                "started_at": self.started_at,
                "taken_at": self.taken_at,
                "rss_bytes": self.rss_bytes,
                "loop_lag": self.loop_lag,
                "routes": [snap.to_wire() for snap in self.routes],
                "recent_slow": self.recent_slow,
                "overflow_requests": self.overflow_requests,
            }
        )

    @classmethod
    def from_wire(cls, raw: bytes | str) -> WorkerSnapshot:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise SnapshotDecodeError(f"worker snapshot is not JSON: {exc}") from None
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version != WIRE_VERSION:
            raise SnapshotDecodeError(f"worker snapshot version {version!r}, not {WIRE_VERSION}")
        try:
            return cls(
                worker_id=str(data["worker_id"]),
                pid=int(data["pid"]),
                started_at=float(data["started_at"]),
                taken_at=float(data["taken_at"]),
                rss_bytes=int(data["rss_bytes"]),
                loop_lag=dict(data["loop_lag"]),
                routes=[RouteSnapshot.from_wire(r) for r in data["routes"]],
                recent_slow=list(data["recent_slow"]),
                overflow_requests=int(data["overflow_requests"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SnapshotDecodeError(f"bad worker snapshot: {exc!r}") from None
