"""Serve an HTTP app on a free loopback port and wait until it answers: the one way perfkit
starts a server it then talks to.

- `serve_process` runs a command in a process group of its own (``{port}`` in the command
  and in ``env``'s values is replaced by a free port), polls ``ready_path`` until it
  answers below 400, and yields the base URL and the PID; a child that exits early, or
  never answers, is reported with the last lines it printed. The reference target, the
  benchmarks' servers, their targets and the builds of `perfkit.builds` use it.
- `serve_app` (a uvicorn thread) and `serve_app_async` (a uvicorn task on the running
  loop) serve an ASGI app in this process, for tests and the lab; the async flavour is
  for apps whose clients belong to the caller's event loop.

Each stops its server when the block ends (a process: SIGTERM to its whole group, then
SIGKILL), also when the block is left by Ctrl-C: nothing it started keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
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
    cwd: Path | None = None,
    tail_lines: int = 1,
) -> Iterator[Served]:
    """Run ``command`` (``{port}`` filled in) until the block ends; yield once it answers.

    ``name`` says what the server is in errors ("the reference service did not start: ...");
    ``tail_lines`` is how many of the last lines it printed (stdout and stderr) an error
    quotes, joined by " | " so the error stays one line. The process leads a session of
    its own, so stopping it stops whatever it started (shells, reloaders, workers).
    """
    port = free_port()
    argv = [part.replace(PORT, str(port)) for part in command]
    child_env = None if env is None else {k: v.replace(PORT, str(port)) for k, v in env.items()}
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        try:
            process = spawn(
                argv, env=child_env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise PerfkitError(f"{name} did not start: {exc.strerror}: {argv[0]}") from None
        try:
            _wait_answering(
                f"{url}{ready_path}", process, log, name=name, timeout_s=timeout_s,
                tail_lines=tail_lines,
            )  # fmt: skip
            yield Served(url, process.pid)
        finally:
            _stop(process)


def _wait_answering(
    url: str,
    process: subprocess.Popen[bytes],
    log: IO[bytes],
    *,
    name: str,
    timeout_s: float,
    tail_lines: int,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = _tail(log, tail_lines) or f"exit status {process.returncode}"
            raise PerfkitError(f"{name} did not start: {said}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 400:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    said = _tail(log, tail_lines)
    printed = f"; it printed: {said}" if said else "; it printed nothing"
    raise PerfkitError(f"{name} did not answer {url} within {timeout_s:g} s{printed}")


def _tail(log: IO[bytes], lines: int) -> str:
    """The last ``lines`` non-blank lines written to ``log``, joined into one line."""
    log.seek(0)
    text = log.read().decode(errors="replace").splitlines()
    return " | ".join([line.strip() for line in text if line.strip()][-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL to what is left of it after the grace time."""
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    _signal_group(process.pid, signal.SIGKILL)  # children that outlived their leader


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


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
