"""``compare_runs`` and the ``trends`` gate over stdio with the MCP SDK's client answer with
the outcome first, as ``perfkit compare --json`` does, on real recorded runs: the newest
run measured on another testbed asks for a re-run instead of calling the code regressed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.recorded import copy_recorded
from tests.mcp.conftest import call_ok, mcp_client, without_profiles

pytestmark = pytest.mark.anyio


async def test_another_testbed_is_environment_changed_not_regressed(tmp_path: Path) -> None:
    history = tmp_path / "history"
    copy_recorded(history, newest_testbed="ci-2")
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        compared = await call_ok(client, "compare_runs", {"force": True})
        trends = await call_ok(client, "trends", {"gate": True})
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "compare", "previous", "latest", "--runs",
         str(history), "--force", "--json"],
        capture_output=True, text=True, env=dict(os.environ), check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # environment changed: re-run
    cli = json.loads(done.stdout)

    assert without_profiles(compared["comparison"]) == without_profiles(cli)
    assert compared["comparison"]["profiles"] == []
    assert compared["outcome"] == cli["outcome"] == "environment changed"
    assert compared["headline"] == cli["headline"]
    assert compared["headline"].startswith("ENVIRONMENT CHANGED: re-run")
    assert compared["verdict"] == "regressed"  # what the metrics found, not blamed
    assert any("different testbeds: vm vs ci-2" in r for r in compared["environment"])
    assert compared["history_runs"] == 0 and compared["weak"]
    assert {m["endpoint"] for m in compared["moved"]} >= {"items"}  # moved, listed
    assert compared["regressions"] == []  # and blamed on no endpoint

    gate = trends["gate"]
    assert gate["outcome"] == "not enough history"  # no earlier run of testbed ci-2
    assert gate["headline"].startswith("NOT ENOUGH HISTORY: 0 of 10 comparable earlier runs")
    assert gate["history_runs"] == 0 and gate["regressions"] == []
