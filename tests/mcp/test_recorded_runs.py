"""The history tools, resources and prompts on the recorded runs in data/history, over stdio;
their answers agree with the CLI's on the same runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from perfkit.reports.archive import new_archive
from perfkit.reports.dashboard import gather
from perfkit.reports.index import write_indexes
from perfkit.runs.history import History
from tests.mcp.conftest import (
    TOOLS,
    call_error,
    call_ok,
    mcp_client,
    resource_text,
    without_profiles,
)

pytestmark = pytest.mark.anyio


def cli_json(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", *args, "--json"], cwd=cwd, capture_output=True,
        text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


async def test_trends_reads_the_regression_threshold_from_the_environment_as_the_cli_does(
    history: Path, tmp_path: Path
) -> None:
    def points(trends: dict[str, Any]) -> list[tuple[str, str, str]]:
        return [(t["endpoint"], t["metric"], c["run_id"])
                for t in trends["trends"] for c in t["change_points"]]  # fmt: skip

    env = {"PERFKIT_REGRESSION_THRESHOLD": "5"}  # only steps of 500 % (a factor 6) count
    async with mcp_client(tmp_path, "--runs", str(history), env=env) as client:
        found = await call_ok(client, "trends", {"gate": True})
    cli = cli_json(tmp_path, "trends", "--runs", str(history), "--gate", env=env)
    assert points(found) == points(cli)
    assert without_profiles(found["gate"]["comparison"]) == without_profiles(cli["gate"])
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        default = await call_ok(client, "trends", {})
    assert 0 < len(points(found)) < len(points(default))  # the big drops of the story


async def test_tools_resources_and_prompts_are_listed_with_schemas(
    history: Path, tmp_path: Path
) -> None:
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        templates = (await client.list_resource_templates()).resource_templates
        resources = (await client.list_resources()).resources
        prompts = (await client.list_prompts()).prompts
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description, tool.name
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
    assert tools["list_runs"].input_schema["properties"]["limit"]["maximum"] == 1000
    assert "threshold" in tools["compare_runs"].input_schema["properties"]
    compare_output = tools["compare_runs"].output_schema or {}
    assert {"regressed", "moved", "comparison"} <= set(compare_output["properties"])
    assert {t.uri_template for t in templates} == {
        "perfkit://runs/{run_id}/json",
        "perfkit://runs/{run_id}/summary",
    }
    assert {str(r.uri) for r in resources} == {
        "perfkit://analytics/latest",
        "perfkit://analytics/latest/markdown",
        "perfkit://reports/index",
    }
    assert {p.name for p in prompts} == {"review_latest_run", "explain_regression"}


async def test_history_tools_agree_with_the_cli(history: Path, tmp_path: Path) -> None:
    stored = History(history).runs()
    newest, before = stored[-1].run, stored[-2].run
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        listed = await call_ok(client, "list_runs", {"limit": 3})
        compared = await call_ok(
            client, "compare_runs", {"base": "previous", "candidate": "latest"}
        )
        by_id = await call_ok(
            client, "compare_runs", {"base": before.run_id, "candidate": stored[-1].path.name}
        )
        trends = await call_ok(client, "trends", {"metrics": ["p50", "throughput"]})
        overall = await call_ok(client, "trends", {"endpoints": ["overall"], "gate": True})
        health = await call_ok(client, "health_report", {"run": newest.run_id})
        paired = await call_ok(client, "health_report", {"run": "latest", "base": "previous"})

    assert listed["total"] == len(stored)
    assert [r["run_id"] for r in listed["runs"]] == [s.run.run_id for s in stored[::-1][:3]]
    first = listed["runs"][0]
    assert first["requests"] == newest.overall.count
    assert first["git_commit"] == newest.environment.git_commit
    assert first["resource"] == f"perfkit://runs/{newest.run_id}/json"

    cli = cli_json(tmp_path, "compare", "previous", "latest", "--runs", str(history))
    assert compared["comparison"] == by_id["comparison"]
    assert without_profiles(compared["comparison"]) == without_profiles(cli)
    assert compared["regressed"] == cli["regressed"]
    moved = {(m["endpoint"], m["metric"]) for m in compared["moved"]}
    assert moved == {
        (e["endpoint"], name)
        for e in [cli["overall"], *cli["endpoints"]]
        for name, m in e["metrics"].items()
        if m["verdict"] != "unchanged"
    }

    cli_trends = cli_json(tmp_path, "trends", "--runs", str(history), "--metric", "p50",
                          "--metric", "throughput")  # fmt: skip
    assert trends["runs"] == cli_trends["runs"] == len(stored)
    points = [(t["endpoint"], t["metric"], [c["run_id"] for c in t["change_points"]])
              for t in trends["trends"]]  # fmt: skip
    assert points == [(t["endpoint"], t["metric"], [c["run_id"] for c in t["change_points"]])
                      for t in cli_trends["trends"]]  # fmt: skip
    commits = {s.run.run_id: s.run.environment.git_commit for s in stored}
    for trend in trends["trends"]:
        for point in trend["change_points"]:
            assert point["git_commit"] == commits[point["run_id"]]
    assert {t["endpoint"] for t in overall["trends"]} == {"overall"}
    cli_gate = cli_json(tmp_path, "trends", "--runs", str(history), "--gate")["gate"]
    gate = overall["gate"]
    assert without_profiles(gate["comparison"]) == without_profiles(cli_gate)
    assert gate["comparison"]["overall"]["endpoint"] == "overall"
    assert (gate["outcome"], gate["headline"]) == (cli_gate["outcome"], cli_gate["headline"])

    cli_report = cli_json(tmp_path, "analytics", newest.run_id, "--runs", str(history),
                          "--out", str(tmp_path / "analytics"))  # fmt: skip
    assert health["report"]["sections"] == cli_report["sections"]
    assert health["report"]["source"] == cli_report["source"]
    summary = cli_report["sections"]["executive_summary"]
    assert (health["health_score"], health["status"]) == (
        summary["health_score"],
        summary["status"],
    )
    assert "comparison" in paired["report"]["sections"]


async def test_bad_input_is_a_tool_error_and_the_server_keeps_serving(
    history: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    stray = outside / "baseline-stray.json"
    stray.write_bytes((history / History(history).runs()[0].path.name).read_bytes())
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        errors = {
            "missing run": await call_error(client, "compare_runs", {"base": "no-such-run"}),
            "run outside": await call_error(client, "health_report", {"run": str(stray)}),
            "dot-dot": await call_error(
                client, "compare_runs", {"base": "../elsewhere/baseline-stray.json"}
            ),
            "history outside": await call_error(client, "list_runs", {"history": str(outside)}),
            "limit": await call_error(client, "list_runs", {"limit": 0}),
            "threshold": await call_error(client, "compare_runs", {"threshold": -0.5}),
            "endpoint": await call_error(client, "trends", {"endpoints": ["/nope"]}),
            "metric": await call_error(client, "trends", {"metrics": ["p42"]}),
            "both": await call_error(
                client, "health_report", {"run": "latest", "url": "http://127.0.0.1:9"}
            ),
            "not allowed": await call_error(client, "health_report", {"url": "http://10.1.2.3:80"}),
            "no redis": await call_error(client, "redis_health", {}),
        }
        still = await call_ok(client, "list_runs", {"limit": 1})
    assert "no run 'no-such-run'" in errors["missing run"]
    assert "outside the server's history" in errors["run outside"]
    assert "outside the server's history" in errors["dot-dot"]
    assert "outside the server's history" in errors["history outside"]
    assert "limit" in errors["limit"]
    assert "threshold" in errors["threshold"]
    assert "unknown endpoint '/nope'" in errors["endpoint"]
    assert "metrics" in errors["metric"]
    assert "either url" in errors["both"]
    assert "not on the server's allow-list" in errors["not allowed"]
    assert "REDIS_URL" in errors["no redis"]
    assert still["total"] == len(History(history).runs())


async def test_resources_by_uri(history: Path, tmp_path: Path) -> None:
    stored = History(history).runs()[-1]
    summary = history / stored.path.name.replace("baseline-", "baseline-summary-").replace(
        ".json", ".md"
    )
    reports = tmp_path / "reports"
    async with mcp_client(tmp_path, "--runs", str(history), "--reports", str(reports)) as client:
        document = await client.read_resource(f"perfkit://runs/{stored.run.run_id}/json")
        markdown = await client.read_resource(f"perfkit://runs/{stored.run.run_id}/summary")
        with pytest.raises(Exception, match="no analytics report"):
            await client.read_resource("perfkit://analytics/latest")
        with pytest.raises(Exception, match="no run 'nope'"):
            await client.read_resource("perfkit://runs/nope/json")
        cli_json(tmp_path, "analytics", "latest", "--runs", str(history),
                 "--out", str(reports / "mcp-analytics"))  # fmt: skip
        latest = await client.read_resource("perfkit://analytics/latest")
        latest_md = await client.read_resource("perfkit://analytics/latest/markdown")
        with pytest.raises(Exception, match="no reports index"):
            await client.read_resource("perfkit://reports/index")
        now = datetime.now(UTC)
        state = gather(reports, [history])  # the suite's dashboard, with no notebook run
        index_path = write_indexes(reports, new_archive(reports / "html", now), [], state, now)
        index = await client.read_resource("perfkit://reports/index")
        prompt = await client.get_prompt("explain_regression", {"base": "a", "candidate": "b"})
    assert json.loads(resource_text(document)) == json.loads(stored.path.read_text())
    assert resource_text(markdown) == summary.read_text()
    assert markdown.contents[0].mime_type == "text/markdown"
    written = sorted((reports / "mcp-analytics").glob("*.json"))[-1]
    assert resource_text(latest) == written.read_text()
    assert resource_text(latest_md) == written.with_suffix(".md").read_text()
    assert resource_text(index) == index_path.read_text()
    assert index.contents[0].mime_type == "text/html"
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "compare_runs" in text and "'a'" in text and "trends" in text
