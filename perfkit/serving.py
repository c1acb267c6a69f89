"""Serve an HTTP app on a free loopback port and wait until it answers: the one way perfkit
starts a server it then talks to.

- `serve_process` runs a command in a process of its own (``{port}`` in the command is
  replaced by a free port), polls ``ready_path`` until it answers below 400, and yields
  the base URL and the PID; a child that exits early is reported with the last line it
  wrote to stderr. The reference target, the benchmarks' servers and their targets use it.
- `serve_app` (a uvicorn thread) and `serve_app_async` (a uvicorn task on the running
  loop) serve an ASGI app in this process, for tests and the lab; the async flavour is
  for apps whose clients belong to the caller's event loop.

Each stops its server when the block ends (a process: SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import httpx
import uvicorn

from perfkit.embedded import free_port, spawn
from perfkit.errors import PerfkitError

HOST = "127.0.0.1"
PORT = "{port}"  # the placeholder `serve_process` replaces in its command
_APP_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Served:
    """A running server: its base URL (``http://127.0.0.1:<port>``) and process id."""

    url: str
    pid: int


@contextlib.contextmanager
def serve_process(
    command: Sequence[str],
    *,
    name: str,
    ready_path: str = "/",
    env: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
) -> Iterator[Served]:
    """Run ``command`` (``{port}`` filled in) until the block ends; yield once it answers.

    ``name`` says what the server is in errors ("the reference service did not start: ...").
    """
    port = free_port()
    argv = [part.replace(PORT, str(port)) for part in command]
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        process = spawn(
            argv, env=None if env is None else dict(env), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:
            _wait_answering(f"{url}{ready_path}", process, log, name, timeout_s)
            yield Served(url, process.pid)
        finally:
            _stop(process)


def _wait_answering(
    url: str, process: subprocess.Popen[bytes], log: IO[bytes], name: str, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PerfkitError(f"{name} did not start: {_last_line(log, process.returncode)}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 400:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise PerfkitError(f"{name} did not answer {url} within {timeout_s:.0f} s")


def _last_line(log: IO[bytes], returncode: int) -> str:
    log.seek(0)
    lines = log.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {returncode}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _uvicorn(app: Any, port: int, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=HOST, port=port, log_level=log_level, access_log=False, lifespan="auto"
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve_app(app: Any, *, port: int | None = None, log_level: str = "warning") -> Iterator[str]:
    """Yield ``http://127.0.0.1:<port>`` while uvicorn serves `app` on a thread (on ``port``
    when given: an app that must know its own address before it starts)."""
    port = free_port() if port is None else port
    server = _uvicorn(app, port, log_level)
    thread = threading.Thread(target=server.run, name=f"perfkit-serve-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + _APP_START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise PerfkitError(f"the local server did not start on {HOST}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_STOP_TIMEOUT_S)


@contextlib.asynccontextmanager
async def serve_app_async(app: Any, *, log_level: str = "warning") -> AsyncIterator[str]:
    """`serve_app` on the running event loop, for apps holding the caller's async clients."""
    port = free_port()
    server = _uvicorn(app, port, log_level)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(_APP_START_TIMEOUT_S):
            while not server.started:
                if task.done():
                    task.result()  # raises why it stopped
                    raise PerfkitError(f"the local server did not start on {HOST}:{port}")
                await asyncio.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        await task
