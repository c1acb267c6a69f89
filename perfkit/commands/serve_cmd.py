"""`perfkit serve`: the reference service under uvicorn, on an embedded Redis by default."""

from __future__ import annotations

import contextlib
import os
import signal
import socket

import typer
import uvicorn

from perfkit.config import Settings
from perfkit.embedded import EmbeddedServer
from perfkit.errors import InputError
from perfkit.project import Project
from perfkit.serve_state import recording_serve

APP_FACTORY = "perfkit.service.app:create_app"


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _connect_host(host: str) -> str:
    """Where a process on this machine reaches a server listening on ``host``."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (stats merge through Redis)."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
) -> None:
    """Run the reference service (an EchoTune-style music API) with perfkit's full stack."""
    settings = Settings.from_env()  # fail on bad configuration before anything starts
    _check_port(host, port)
    # uvicorn re-raises the SIGTERM it stopped on once it is done: end by SystemExit
    # then, so the stack below unwinds (the state file removed, the Redis stopped)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with contextlib.ExitStack() as stack:
        if not settings.redis_url:
            server = stack.enter_context(EmbeddedServer())
            os.environ["REDIS_URL"] = server.url  # the workers read it in create_app
            # `perfkit redis ...` in this project finds it there (removed on exit)
            stack.enter_context(recording_serve(Project.find().root, server.url))
            typer.echo(f"embedded Redis at {server.url}")
        # the self-baseline's target: this address, never a request's Host header
        os.environ.setdefault("PERFKIT_SELF_URL", f"http://{_connect_host(host)}:{port}")
        typer.echo(f"serving the reference service on http://{host}:{port} ({workers} worker(s))")
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            # uvicorn would rewrite the client address from X-Forwarded-For sent by
            # 127.0.0.1; the rate limiter does that itself, from its trusted proxies only
            proxy_headers=False,
        )


def register(app: typer.Typer) -> None:
    app.command()(serve)
