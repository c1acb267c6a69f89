"""`perfkit mcp` over streamable HTTP, and its command-line errors."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from mcp import Client

from perfkit.embedded import free_port
from tests.mcp.conftest import TOOLS, call_error, call_ok

_START_TIMEOUT_S = 60.0


def _wait_listening(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "perfkit mcp --http exited"
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"perfkit mcp --http did not listen within {_START_TIMEOUT_S} s")


@pytest.mark.anyio
async def test_streamable_http(history: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "perfkit", "mcp", "--runs", str(history),
               "--http", f"127.0.0.1:{port}"]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, stdin=subprocess.DEVNULL)
    try:
        _wait_listening(process, f"http://127.0.0.1:{port}/")
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            listed = await call_ok(client, "list_runs", {"limit": 1})
            error = await call_error(client, "compare_runs", {"base": "missing-run"})
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert tools == TOOLS
    assert listed["total"] > 0 and len(listed["runs"]) == 1
    assert "no run 'missing-run'" in error


def _perfkit(*args: str, prelude: str = "pass") -> subprocess.CompletedProcess[str]:
    code = f"import sys; {prelude}; sys.argv = ['perfkit', *sys.argv[1:]]; " + (
        "from perfkit.cli import main; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )


def test_without_the_extra_it_names_the_extra_to_install() -> None:
    # an interpreter where the SDK cannot be imported, as after `pip install perfkit`
    done = _perfkit("mcp", prelude="sys.modules['mcp'] = None")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "perfkit: error: perfkit mcp needs the MCP SDK: pip install 'perfkit[mcp]'"
    ]


@pytest.mark.parametrize("value", ["nope", "127.0.0.1:", "127.0.0.1:70000", ":8000"])
def test_a_bad_http_address_is_one_line_and_exit_2(value: str) -> None:
    done = _perfkit("mcp", "--http", value)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"perfkit: error: --http {value!r} must be HOST:PORT with a port in 1..65535"
    )


def test_a_bad_allow_list_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "mcp"],
        env={"PATH": "/usr/bin:/bin", "PERFKIT_MCP_TARGETS": "ftp://x"},
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "perfkit: error: PERFKIT_MCP_TARGETS: 'ftp://x' is not an http(s) URL with a host"
    ]
