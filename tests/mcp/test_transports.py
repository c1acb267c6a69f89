"""`perfkit mcp` over streamable HTTP, and its command-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client

from perfkit.serving import PORT, serve_process
from tests.mcp.conftest import TOOLS, call_error, call_ok
from tests.test_cli_errors import assert_refused, perfkit


@pytest.mark.anyio
async def test_streamable_http(history: Path) -> None:
    command = [sys.executable, "-m", "perfkit", "mcp", "--runs", str(history),
               "--http", f"127.0.0.1:{PORT}"]  # fmt: skip
    # how long the server takes to start is not what is tested: 30 s (the default) was
    # once too short for its imports on a loaded 2-core machine
    with serve_process(
        command, name="perfkit mcp --http", ready_path="/health", timeout_s=120
    ) as served:
        async with Client(f"{served.url}/mcp") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            listed = await call_ok(client, "list_runs", {"limit": 1})
            error = await call_error(client, "compare_runs", {"base": "missing-run"})
    assert tools == TOOLS
    assert listed["total"] > 0 and len(listed["runs"]) == 1
    assert "no run 'missing-run'" in error


def test_without_the_extra_it_names_the_extra_to_install() -> None:
    # an interpreter where the SDK cannot be imported, as after `pip install perfkit`
    assert_refused(perfkit("mcp", hide="mcp"), "pip install 'perfkit[mcp]'")


@pytest.mark.parametrize("value", ["nope", "127.0.0.1:", "127.0.0.1:70000", ":8000"])
def test_a_bad_http_address_is_refused_before_anything_starts(value: str) -> None:
    # checked before the SDK is imported: the missing extra is not what it reports
    assert_refused(perfkit("mcp", "--http", value, hide="mcp"), f"--http {value!r}", "HOST:PORT")


def test_a_bad_allow_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFKIT_MCP_TARGETS", "http://127.0.0.1:8000,ftp://x")
    assert_refused(perfkit("mcp"), "PERFKIT_MCP_TARGETS", "'ftp://x'", "http(s)")
