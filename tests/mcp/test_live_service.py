"""The live tools and run_baseline against the reference service on a password-protected
Redis, over stdio; no password or token in any output, and the analytics agree with the
service's own /api/mcp/analytics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from perfkit.runs.history import History
from tests.mcp.conftest import PREFIX, SECRET, TOKEN, call_error, call_ok, mcp_client, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _traffic(url: str, n: int = 20) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for i in range(n):
            assert client.get(f"/api/spotify/me?user={i % 3}").status_code == 200
        # every route the analytics will read has been seen once, on both sides
        for path in ("/api/performance", "/api/cache/stats", "/api/redis/health",
                     "/api/mcp/analytics"):  # fmt: skip
            client.get(path)


async def test_live_tools_never_show_a_secret(
    live_service: tuple[str, str], history: Path, tmp_path: Path
) -> None:
    url, redis_url = live_service
    _traffic(url)
    env = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX, "PERFKIT_BASELINE_TOKEN": TOKEN,
           "PERFKIT_MCP_TARGETS": url}  # fmt: skip
    # a URL carrying credentials of its own: allowed by origin, shown masked
    with_userinfo = url.replace("http://", f"http://agent:{TOKEN}@")
    outputs: list[str] = []
    answers: dict[str, dict[str, Any]] = {}
    async with mcp_client(tmp_path, "--runs", str(history), env=env) as client:
        for name in ("redis_health", "cache_stats", "rate_limit_stats"):
            for where, args in (("live", {"url": url}), ("redis", {})):
                result = await client.call_tool(name, args)
                assert not result.is_error, text_of(result)
                assert isinstance(result.structured_content, dict)
                answers[f"{name}/{where}"] = result.structured_content
                outputs += [text_of(result), json.dumps(result.structured_content)]
        report = await client.call_tool("health_report", {"url": with_userinfo})
        outputs += [text_of(report), json.dumps(report.structured_content)]
        for args in ({"url": f"{url}/nowhere"}, {"url": with_userinfo.replace(url[-4:], "1")}):
            outputs.append(await call_error(client, "redis_health", args))
    for text in outputs:
        assert SECRET not in text
        assert TOKEN not in text
    assert report.structured_content is not None
    assert report.structured_content["source"] == "live"
    assert answers["redis_health/live"]["document"]["status"] == "healthy"
    assert answers["redis_health/redis"]["document"]["status"] == "healthy"
    assert answers["redis_health/redis"]["address"] == redis_url.replace(SECRET, "***")
    assert answers["cache_stats/live"]["document"]["enabled"] is True
    assert answers["cache_stats/redis"]["document"]["total_keys"] > 0
    assert answers["rate_limit_stats/live"]["document"]["limiters"]
    limiter = answers["rate_limit_stats/redis"]["document"]
    assert {p["name"] for p in limiter["config"]["policies"]} >= {"global", "api"}
    assert limiter["keys"] > 0


async def test_live_analytics_agree_with_the_service(
    live_service: tuple[str, str], history: Path, tmp_path: Path
) -> None:
    url, _ = live_service
    _traffic(url)
    async with mcp_client(tmp_path, "--runs", str(history),
                          env={"PERFKIT_MCP_TARGETS": url}) as client:  # fmt: skip
        ours = (await call_ok(client, "health_report", {"url": url}))["report"]
    theirs = httpx.get(f"{url}/api/mcp/analytics", timeout=10).json()
    assert ours["source"]["kind"] == theirs["source"]["kind"] == "live"
    mine, served = ours["sections"], theirs["sections"]
    assert mine["health"]["score"] == served["health"]["score"]
    assert mine["executive_summary"]["status"] == served["executive_summary"]["status"]
    assert mine["health"]["deductions"] == served["health"]["deductions"]
    assert {r["route"] for r in mine["routes"]} == {r["route"] for r in served["routes"]}
    assert [a["rule"] for a in mine["alerts"]] == [a["rule"] for a in served["alerts"]]


async def test_run_baseline_is_bounded_and_allow_listed(
    live_service: tuple[str, str], history: Path, tmp_path: Path
) -> None:
    url, _ = live_service
    before = len(History(history).runs())
    env = {"PERFKIT_MCP_TARGETS": url, "PERFKIT_MCP_MAX_DURATION": "3",
           "PERFKIT_MCP_MAX_CONCURRENCY": "4"}  # fmt: skip
    async with mcp_client(tmp_path, "--runs", str(history), env=env) as client:
        errors = [
            await call_error(client, "run_baseline", {"duration_s": 10}),
            await call_error(client, "run_baseline", {"concurrency": 40}),
            await call_error(client, "run_baseline", {"target": "http://127.0.0.1:9"}),
            await call_error(client, "run_baseline", {"scenario": "nope"}),
            await call_error(client, "run_baseline", {"duration_s": -1}),
        ]
        reference = await call_ok(client, "run_baseline", {"duration_s": 1, "concurrency": 2})
        live = await call_ok(
            client, "run_baseline", {"target": url, "duration_s": 1, "concurrency": 2}
        )
        listed = await call_ok(client, "list_runs", {"limit": 2})
        summary = await client.read_resource(reference["run"]["summary_resource"])
    assert "duration_s 10 is above the server's maximum of 3" in errors[0]
    assert "concurrency 40 is above the server's maximum of 4" in errors[1]
    assert "not on the server's allow-list" in errors[2]
    assert "unknown scenario 'nope'" in errors[3]
    assert "duration_s" in errors[4]
    assert reference["run"]["target"] == "reference-service"
    assert live["run"]["target"] == url
    for result in (reference, live):
        assert result["run"]["requests"] > 0
        assert Path(result["json_file"]).parent == history
        assert Path(result["summary_file"]).is_file()
        assert result["smoke"] is not None and result["health"] is not None
    assert len(History(history).runs()) == before + 2
    assert [r["run_id"] for r in listed["runs"]] == [
        live["run"]["run_id"],
        reference["run"]["run_id"],
    ]
    assert summary.contents
