"""Serve an ASGI app on loopback for a run: `serve_app(app)` and `reference_target()`.

`serve_app` runs uvicorn on a free 127.0.0.1 port in a background thread and yields the
base URL once the server accepts connections (tests use it with small apps of their own).
`reference_target` starts an embedded Redis and the reference service on it in a process
of its own: the default target of `perfkit baseline` and `perfkit smoke`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from typing import IO, Any

import httpx
import uvicorn

from perfkit.config import Settings
from perfkit.embedded import EmbeddedServer, free_port, spawn
from perfkit.errors import PerfkitError

REFERENCE_LABEL = "reference-service"  # the target label of runs against it
_START_TIMEOUT_S = 10.0
_SERVICE_START_TIMEOUT_S = 60.0


@contextlib.contextmanager
def serve_app(app: Any, *, log_level: str = "warning") -> Iterator[str]:
    """Yield ``http://127.0.0.1:<port>`` while uvicorn serves `app` (lifespan included)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level=log_level, access_log=False, lifespan="auto"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"perfkit-serve-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise PerfkitError(f"the local target did not start on 127.0.0.1:{port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)


@contextlib.contextmanager
def reference_target(env: Mapping[str, str] | None = None) -> Iterator[str]:
    """The reference service on an embedded Redis, served on loopback, for one block.

    The service runs in a process of its own (``perfkit serve``), so the load generator
    and the service do not share one interpreter and one core. ``env`` adds environment
    variables for the service (e.g. ``PERFKIT_SERVICE_CACHE=false``).

    Its rate limiter runs in shadow mode (every policy evaluated and counted, nothing
    refused) unless ``PERFKIT_RATELIMIT_SHADOW`` is set: a load run from one client would
    otherwise be refused by the seed's per-client limits within a second, and measure
    429s instead of the service. The limiter's cost is still measured.
    """
    child_env = {**os.environ, **(env or {})}
    Settings.from_env(child_env)  # refuse bad configuration before starting anything
    child_env.setdefault("PERFKIT_RATELIMIT_SHADOW", "true")
    with EmbeddedServer() as redis_server, tempfile.TemporaryFile() as log:
        child_env["REDIS_URL"] = redis_server.url
        port = free_port()
        command = [sys.executable, "-m", "perfkit", "serve", "--port", str(port)]
        with spawn(
            command, env=child_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=log,
        ) as process:  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_healthy(url, process, log)
                yield url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=_START_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + _SERVICE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit status {process.returncode}"
            raise PerfkitError(f"the reference service did not start: {reason}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise PerfkitError(
        f"the reference service did not answer within {_SERVICE_START_TIMEOUT_S:.0f} s"
    )
