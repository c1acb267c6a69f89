"""The default target of a run: `reference_target()`.

`reference_target` starts an embedded Redis and the reference service on it in a process
of its own: the default target of `perfkit baseline` and `perfkit smoke`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping

from perfkit.config import Settings
from perfkit.embedded import EmbeddedServer
from perfkit.serving import PORT, serve_process

REFERENCE_LABEL = "reference-service"  # the target label of runs against it
_SERVICE_START_TIMEOUT_S = 60.0


@contextlib.contextmanager
def reference_target(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The reference service on an embedded Redis, served on loopback, for one block.

    The service runs in a process of its own (``perfkit serve``), so the load generator
    and the service do not share one interpreter and one core. ``env`` adds environment
    variables for the service (e.g. ``PERFKIT_SERVICE_CACHE=false``).

    Its rate limiter runs in shadow mode (every policy evaluated and counted, nothing
    refused) unless ``PERFKIT_RATELIMIT_SHADOW`` is set: a load run from one client would
    otherwise be refused by the service's per-client limits within a second, and measure
    429s instead of the service. The limiter's cost is still measured.
    """
    child_env = {**os.environ, **(env or {})}
    Settings.from_env(child_env)  # refuse bad configuration before starting anything
    child_env.setdefault("PERFKIT_RATELIMIT_SHADOW", "true")
    with EmbeddedServer() as redis_server:
        child_env["REDIS_URL"] = redis_server.url
        command = [sys.executable, "-m", "perfkit", "serve", "--port", PORT]
        with serve_process(
            command, name="the reference service", ready_path="/health", env=child_env,
            timeout_s=_SERVICE_START_TIMEOUT_S,
        ) as served:  # fmt: skip
            yield served.url
