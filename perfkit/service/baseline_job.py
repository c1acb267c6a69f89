"""``POST /api/performance/baseline``: a short baseline of the service against itself.

Guarded by a token from configuration (``PERFKIT_BASELINE_TOKEN``; unset disables the
trigger). What makes it a measurement of the service and nothing else:

- **Its own process.** The load runs in a child process (`perfkit.service.self_baseline`),
  not in a thread of the worker it measures (which would share that worker's GIL).
- **The service's own address.** The target is ``PERFKIT_SELF_URL`` (`perfkit serve` sets
  it from ``--host``/``--port``), never the request's Host header, so a token holder
  cannot aim the load anywhere else.
- **Exempt from the limiter, by construction.** Each run gets a random secret, kept in
  Redis with the run's lock and given to the child only (environment, not argv). The
  child sends it in ``X-Perfkit-Self-Baseline``; `exempts` lets exactly those requests
  past the limiter, uncounted. A guessed or stale value is an ordinary request.
- **One at a time across workers.** The lock is one Redis key (``SET NX`` with a TTL that
  outlives any run); each run's status is a Redis key too, readable from every worker.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import secrets
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import orjson
import redis.exceptions

from perfkit.config import Settings
from perfkit.connection import AsyncClient, Keyspace

logger = logging.getLogger(__name__)

SELF_BASELINE_HEADER = "x-perfkit-self-baseline"
SECRET_ENV = "PERFKIT_SELF_BASELINE_SECRET"
_HEADER = SELF_BASELINE_HEADER.encode()
_STATUS_TTL_S = 86_400
_VERIFIED_FOR_S = 1.0  # a verified secret is trusted this long without asking Redis again


class BaselineBusy(Exception):
    """A baseline is already running (on this worker or another)."""


class BaselineUnavailable(Exception):
    """The trigger cannot run a baseline now; the message says why."""


@dataclass
class BaselineJob:
    run_id: str
    status: Literal["running", "done", "failed"]
    started_at: float
    target_url: str
    pid: int | None = None
    finished_at: float | None = None
    artifacts: dict[str, str] | None = None
    result_run_id: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class BaselineJobs:
    def __init__(
        self,
        redis: AsyncClient,
        keyspace: Keyspace,
        *,
        token: str | None,
        self_url: str | None,
        out_dir: Path,
        duration_s: float,
        concurrency: int,
    ) -> None:
        self.redis = redis
        self.token = token
        self.self_url = self_url.rstrip("/") if self_url else None
        self.out_dir = out_dir
        self.duration_s = duration_s
        self.concurrency = concurrency
        self._lock_key = keyspace.key("baseline", "running")
        self._keyspace = keyspace
        self._verified: tuple[bytes, float] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(
        cls, settings: Settings, redis: AsyncClient, keyspace: Keyspace
    ) -> BaselineJobs:
        return cls(
            redis,
            keyspace,
            token=settings.env_text("PERFKIT_BASELINE_TOKEN", "") or None,
            self_url=settings.env_text("PERFKIT_SELF_URL", "") or None,
            out_dir=Path(settings.env_text("PERFKIT_REPORTS_DIR", "reports")) / "performance",
            duration_s=settings.env_float("PERFKIT_SELF_BASELINE_DURATION", 5.0, 0.1),
            concurrency=settings.env_int("PERFKIT_SELF_BASELINE_CONCURRENCY", 4, 1),
        )

    @property
    def enabled(self) -> bool:
        return self.token is not None

    def authorized(self, presented: str | None) -> bool:
        if self.token is None or presented is None:
            return False
        return hmac.compare_digest(presented.encode(), self.token.encode())

    # -- the limiter's exemption ---------------------------------------------------------

    async def exempts(self, scope: Mapping[str, Any]) -> bool:
        """Is this request the running self-baseline's (its secret, checked in Redis)?"""
        presented = next((v for k, v in scope.get("headers", ()) if k == _HEADER), None)
        if presented is None:
            return False
        verified = self._verified
        if verified is not None and verified[1] > time.monotonic():
            return hmac.compare_digest(presented, verified[0])
        try:
            held = await self.redis.get(self._lock_key)
        except redis.exceptions.RedisError:
            return False  # cannot verify: limited like anyone
        if not isinstance(held, bytes) or b" " not in held:
            return False  # no baseline running
        secret = held.split(b" ", 1)[1]
        if not hmac.compare_digest(presented, secret):
            return False
        self._verified = (secret, time.monotonic() + _VERIFIED_FOR_S)
        return True

    # -- running ------------------------------------------------------------------------

    async def start(self) -> BaselineJob:
        if self.self_url is None:
            raise BaselineUnavailable(
                "PERFKIT_SELF_URL is not set (perfkit serve sets it): the service's own address"
            )
        run_id, secret = uuid.uuid4().hex[:12], secrets.token_urlsafe(24)
        lock_ttl = int(self.duration_s * 4 + 120)  # outlives any run; freed when it ends
        if not await self.redis.set(self._lock_key, f"{run_id} {secret}", nx=True, ex=lock_ttl):
            raise BaselineBusy
        job = BaselineJob(run_id, "running", time.time(), self.self_url)
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(),
                env={**os.environ, SECRET_ENV: secret},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            await self.redis.delete(self._lock_key)
            raise BaselineUnavailable(f"cannot start the baseline process: {exc}") from None
        job.pid = process.pid
        await self._save(job)
        task = asyncio.get_running_loop().create_task(self._watch(job, process))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def _command(self) -> list[str]:
        assert self.self_url is not None
        return [
            sys.executable, "-m", "perfkit.service.self_baseline",
            "--url", self.self_url, "--out", str(self.out_dir),
            "--duration", str(self.duration_s), "--concurrency", str(self.concurrency),
        ]  # fmt: skip

    async def _watch(self, job: BaselineJob, process: asyncio.subprocess.Process) -> None:
        try:
            out, err = await process.communicate()
            if process.returncode == 0:
                result = orjson.loads(out)
                job.status, job.result_run_id = "done", result["run_id"]
                job.artifacts = {"json": result["json"], "summary": result["summary"]}
            else:
                lines = err.decode(errors="replace").strip().splitlines()
                job.status = "failed"
                job.error = lines[-1] if lines else f"exit status {process.returncode}"
        except (ValueError, KeyError) as exc:
            job.status, job.error = "failed", f"unreadable result: {exc}"
        job.finished_at = time.time()
        try:
            await self._save(job)
        finally:
            await self.redis.delete(self._lock_key)

    async def _save(self, job: BaselineJob) -> None:
        await self.redis.set(self._job_key(job.run_id), orjson.dumps(job.to_dict()),
                             ex=_STATUS_TTL_S)  # fmt: skip

    def _job_key(self, run_id: str) -> str:
        return self._keyspace.key("baseline", "job", run_id)

    async def status(self, run_id: str) -> dict[str, Any] | None:
        """A run's status from Redis, whichever worker started it."""
        raw = await self.redis.get(self._job_key(run_id))
        if raw is None:
            return None
        data: dict[str, Any] = orjson.loads(raw)
        return data

    async def cancel(self) -> None:
        """Wait for a running baseline at shutdown (it is short)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
