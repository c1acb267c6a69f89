"""A reference service of the lab's own, on an embedded Redis the lab can stop and start.

The lab needs what `reference_target()` hides: its own Redis (to stop it mid-load) and
its own configuration (a limiter that enforces small policies). The service runs in
this process on a uvicorn thread; the lab's clients run on other threads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from perfkit.config import Settings
from perfkit.embedded import EmbeddedServer
from perfkit.live import read_document
from perfkit.service.app import create_app
from perfkit.serving import serve_app

_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class LabService:
    """The base URL of the service and the Redis server under it."""

    url: str
    redis: EmbeddedServer

    def get_json(self, path: str, statuses: Collection[int] = (200,)) -> dict[str, Any]:
        """A JSON document of the service (its stats endpoints answer even without Redis)."""
        with httpx.Client(timeout=_TIMEOUT_S) as client:
            return read_document(client, f"{self.url}{path}", statuses=statuses)


@contextlib.contextmanager
def lab_service(env: Mapping[str, str] | None = None) -> Iterator[LabService]:
    """The reference service with ``env`` (``PERFKIT_*`` settings) on a fresh embedded Redis."""
    base = Settings.from_env()
    extra = {**base.extra, **(env or {})}
    with EmbeddedServer() as redis_server:
        settings = Settings(**{**base.__dict__, "redis_url": redis_server.url, "extra": extra})
        with serve_app(create_app(settings)) as url:
            yield LabService(url, redis_server)
