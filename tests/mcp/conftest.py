"""`perfkit mcp` as a subprocess, spoken to with the MCP SDK's own client.

`mcp_client(cwd, *args, env=...)` starts ``python -m perfkit mcp ARGS`` over stdio; the
child sees only the variables given here (plus the SDK's safe defaults such as PATH and
HOME), so a developer's REDIS_URL cannot leak into a test.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, ReadResourceResult, TextResourceContents

from perfkit.connection import Keyspace
from perfkit.embedded import EmbeddedServer
from perfkit.service.app import create_app
from perfkit.serving import serve_app
from tests.service.conftest import service_settings

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "data" / "history"
SECRET = "pw-Mcp7-secret-Redis"
TOKEN = "tok-Mcp7-baseline-secret"
PREFIX = "pktest-mcp:"  # the live service's key prefix
TOOLS = {
    "list_runs",
    "compare_runs",
    "profile_diff",
    "trends",
    "health_report",
    "run_baseline",
    "redis_health",
    "cache_stats",
    "rate_limit_stats",
}


@asynccontextmanager
async def mcp_client(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "perfkit", "mcp", *args],
        env={"PERFKIT_LOADGEN_WORKERS": "1", **(env or {})},
        cwd=cwd,
    )
    async with Client(params, read_timeout_seconds=120) as client:
        yield client


def without_profiles(comparison: Mapping[str, Any]) -> dict[str, Any]:
    """A comparison's JSON without its ``profiles`` (the CLI adds them where it prints the
    profile lines; the MCP answer always carries them)."""
    return {k: v for k, v in comparison.items() if k != "profiles"}


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def call_ok(client: Client, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(name, args or {})
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def call_error(client: Client, name: str, args: dict[str, Any]) -> str:
    """The tool error's text; it names the problem and carries no traceback."""
    result = await client.call_tool(name, args)
    text = text_of(result)
    assert result.is_error, text
    assert "Traceback" not in text and 'File "' not in text
    return text


def resource_text(result: ReadResourceResult) -> str:
    (content,) = result.contents
    assert isinstance(content, TextResourceContents)
    return content.text


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A copy of the recorded runs (tools that write, write into the copy)."""
    folder = tmp_path / "history"
    shutil.copytree(RECORDED, folder)
    return folder


@pytest.fixture
def live_service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The reference service over loopback on a password-protected Redis: (base URL, REDIS_URL).

    The limiter runs in shadow mode, so load from one client is measured, not refused.
    """
    with EmbeddedServer(extra_args=("--requirepass", SECRET)) as server:
        redis_url = f"redis://:{SECRET}@127.0.0.1:{server.port}"
        settings = service_settings(
            redis_url,
            Keyspace(PREFIX),
            tmp_path,
            PERFKIT_RATELIMIT_SHADOW="true",
            PERFKIT_BASELINE_TOKEN=TOKEN,
            # the default thresholds, not the service tests' 40/400 ms: on a loaded machine one
            # request slower than 400 ms between two readings would change the health score
            SLOW_REQUEST_THRESHOLD="1000",
            VERY_SLOW_REQUEST_THRESHOLD="5000",
            CRITICAL_REQUEST_THRESHOLD="10000",
        )
        with serve_app(create_app(settings)) as url:
            yield url, redis_url
