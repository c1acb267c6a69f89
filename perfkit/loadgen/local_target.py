"""Serve an ASGI app on loopback for a run: `serve_app(app)` and `reference_target()`.

`serve_app` runs uvicorn on a free 127.0.0.1 port in a background thread and yields the
base URL once the server accepts connections (tests use it with small apps of their own).
`reference_target` starts an embedded Redis, builds the reference service on it and
serves it: the default target of `perfkit baseline` and `perfkit smoke`.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from perfkit.config import Settings
from perfkit.embedded import EmbeddedServer, free_port
from perfkit.errors import PerfkitError

_START_TIMEOUT_S = 10.0


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


def _reference_factory() -> Callable[[Settings], Any]:
    try:
        module = importlib.import_module("perfkit.service.app")
    except ImportError as exc:
        raise PerfkitError(f"reference service not available ({exc}); pass --target") from None
    factory = getattr(module, "create_app", None)
    if not callable(factory):
        raise PerfkitError("reference service not available (no create_app); pass --target")
    return factory  # type: ignore[no-any-return]


@contextlib.contextmanager
def reference_target(settings: Settings | None = None) -> Iterator[str]:
    """The reference service on an embedded Redis, served on loopback, for one block.

    Its rate limiter runs in shadow mode (every policy evaluated and counted, nothing
    refused) unless ``PERFKIT_RATELIMIT_SHADOW`` is set: a load run from one client would
    otherwise be refused by the seed's per-client limits within a second, and measure
    429s instead of the service. The limiter's cost is still measured.
    """
    factory = _reference_factory()
    base = settings or Settings.from_env()
    extra = {"PERFKIT_RATELIMIT_SHADOW": "true", **base.extra}
    with EmbeddedServer() as redis_server:
        settings = Settings(**{**base.__dict__, "redis_url": redis_server.url, "extra": extra})
        with serve_app(factory(settings)) as url:
            yield url
