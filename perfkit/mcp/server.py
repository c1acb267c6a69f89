"""Assemble the MCP server from the tool, resource and prompt modules, and serve it."""

from __future__ import annotations

from mcp.server import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from perfkit import __version__
from perfkit.mcp import prompts, resources
from perfkit.mcp.config import McpConfig
from perfkit.mcp.context import ServerContext
from perfkit.mcp.tools import baseline, history, profiles, service
from perfkit.mcp.tools import health as health_tools

INSTRUCTIONS = (
    "perfkit: performance analytics of recorded load runs and live services. list_runs "
    "shows the history; compare_runs says whether a run got slower than another, where, and "
    "on what evidence; trends finds change points over the history with their commits; "
    "health_report gives the health score, alerts and recommendations; run_baseline records "
    "a new run (bounded, allow-listed targets only); redis_health, cache_stats and "
    "rate_limit_stats read a live service or the configured Redis."
)


def build_server(config: McpConfig) -> MCPServer:
    ctx = ServerContext.from_config(config)
    server = MCPServer(
        "perfkit", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    history.register(server, ctx)
    profiles.register(server, ctx)
    health_tools.register(server, ctx)
    baseline.register(server, ctx)
    service.register(server, ctx)
    resources.register(server, ctx)
    prompts.register(server)
    return server


def serve(config: McpConfig, http: tuple[str, int] | None = None) -> None:
    """Serve over stdio, or streamable HTTP at ``http://HOST:PORT/mcp`` (and ``/health``)."""
    server = build_server(config)
    if http is None:
        server.run("stdio")
        return

    # the SDK leaves custom_route unannotated
    @server.custom_route("/health", methods=["GET"])  # type: ignore[untyped-decorator]
    async def health(request: Request) -> Response:
        """For load balancers and start-up probes."""
        return JSONResponse({"status": "ok"})

    host, port = http
    server.run("streamable-http", host=host, port=port)
