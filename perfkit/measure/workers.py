"""Worker snapshots in Redis: each worker publishes its own, any worker reads them all.

Keys (through `Keyspace`, namespace ``perf``)::

    <prefix>perf:worker:<worker id>   the worker's latest snapshot (JSON), TTL ttl_s
    <prefix>perf:workers              sorted set: worker id -> time of its last flush

A worker that dies stops refreshing its key, which expires after ``ttl_s``; readers
also drop index entries older than that, so dead workers age out of the merged report.
Commands are sent one by one (no MULTI), which works on a Redis Cluster too, where the
two keys live in different slots. Redis errors become `RedisUnavailable`.
"""

from __future__ import annotations

import redis

from perfkit.connection import AsyncClient, Keyspace, describe_error
from perfkit.errors import RedisUnavailable
from perfkit.measure.snapshot import SnapshotDecodeError, WorkerSnapshot

NAMESPACE = "perf"


class RedisWorkerStore:
    """Publishes and collects `WorkerSnapshot`s; ``now`` is unix time from the caller."""

    def __init__(self, client: AsyncClient, keyspace: Keyspace, ttl_s: int = 60) -> None:
        self.client = client
        self.keyspace = keyspace
        self.ttl_s = ttl_s
        self.skipped: list[str] = []  # workers whose snapshot could not be read, last collect

    def _worker_key(self, worker_id: str) -> str:
        return self.keyspace.key(NAMESPACE, "worker", worker_id)

    @property
    def _index_key(self) -> str:
        return self.keyspace.key(NAMESPACE, "workers")

    async def publish(self, snapshot: WorkerSnapshot, now: float) -> None:
        payload = snapshot.to_wire()
        try:
            await self.client.set(self._worker_key(snapshot.worker_id), payload, ex=self.ttl_s)
            await self.client.zadd(self._index_key, {snapshot.worker_id: now})
            await self.client.expire(self._index_key, self.ttl_s * 2)
        except (redis.RedisError, OSError) as exc:
            raise RedisUnavailable(
                f"publishing worker stats failed: {describe_error(exc)}"
            ) from None

    async def collect(self, now: float, exclude: str | None = None) -> list[WorkerSnapshot]:
        """Every live worker's latest snapshot (except ``exclude``), unreadable ones skipped."""
        try:
            await self.client.zremrangebyscore(self._index_key, "-inf", now - self.ttl_s)
            members = await self.client.zrange(self._index_key, 0, -1)
            ids = [m.decode() if isinstance(m, bytes) else str(m) for m in members]
            ids = [i for i in ids if i != exclude]
            raws = [await self.client.get(self._worker_key(i)) for i in ids]
        except (redis.RedisError, OSError) as exc:
            raise RedisUnavailable(f"reading worker stats failed: {describe_error(exc)}") from None
        snapshots: list[WorkerSnapshot] = []
        self.skipped = []
        for worker_id, raw in zip(ids, raws, strict=True):
            if raw is None:  # expired between the two reads
                continue
            try:
                snapshots.append(WorkerSnapshot.from_wire(raw))
            except SnapshotDecodeError:
                self.skipped.append(worker_id)
        return snapshots

    async def remove(self, worker_id: str) -> None:
        """Forget a worker now (instead of after its TTL)."""
        try:
            await self.client.delete(self._worker_key(worker_id))
            await self.client.zrem(self._index_key, worker_id)
        except (redis.RedisError, OSError) as exc:
            raise RedisUnavailable(f"removing worker stats failed: {describe_error(exc)}") from None
