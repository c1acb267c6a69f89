"""`perfkit mcp`: parse, check the extra is installed, call `perfkit.mcp.server.serve`."""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.config import Settings
from perfkit.errors import InputError, PerfkitError
from perfkit.paths import REPORTS_DIR, RUNS_DIR

_MISSING = "perfkit mcp needs the MCP SDK: pip install 'perfkit[mcp]'"
RUNS = typer.Option([RUNS_DIR], "--runs", help="A history folder the tools may read (repeatable).")
REPORTS = typer.Option(REPORTS_DIR, "--reports", help="The reports folder.")
HTTP = typer.Option(
    None, "--http", help="Serve streamable HTTP at HOST:PORT (/mcp) instead of stdio."
)


def parse_http(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) -> (host, port); `InputError` otherwise."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--http {value!r} must be HOST:PORT with a port in 1..65535")
    return host, int(port)


def mcp(
    *,
    runs: list[Path] = RUNS,
    reports: Path = REPORTS,
    http: str | None = HTTP,
) -> None:
    """The MCP server: perfkit's analysis as tools, resources and prompts (stdio or HTTP)."""
    address = None if http is None else parse_http(http)
    try:
        from perfkit.mcp.server import serve
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] == "mcp":
            raise PerfkitError(_MISSING) from None
        raise
    from perfkit.mcp.config import McpConfig

    config = McpConfig.from_settings(Settings.from_env(), tuple(runs), reports)
    serve(config, address)


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)
