"""``profile_diff`` over stdio with the MCP SDK's client: two recorded runs with the
recorded profile pair beside them (`perfkit/resources/profiles`, from the profiler test
over HTTP)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from perfkit.profiling.profile import profile_path_for
from tests.mcp.conftest import ROOT, call_error, call_ok, mcp_client

pytestmark = pytest.mark.anyio
PROFILES = ROOT / "perfkit" / "resources" / "profiles"


def _runs_with_profiles(history: Path) -> tuple[str, str]:
    older, newer = sorted(history.glob("baseline-*.json"))[-2:]
    shutil.copy(PROFILES / "base.profile.json.gz", profile_path_for(older))
    shutil.copy(PROFILES / "head.profile.json.gz", profile_path_for(newer))
    return older.name, newer.name


async def test_names_the_function_that_gained_time(history: Path, tmp_path: Path) -> None:
    base, head = _runs_with_profiles(history)
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        found = await call_ok(
            client, "profile_diff", {"base": base, "candidate": head, "route": "GET /work/{n}"}
        )
        with_svg = await call_ok(client, "profile_diff", {"svg": True, "frames": 3})
        listed = await call_ok(client, "list_runs", {})
    (route,) = found["routes"]
    assert route["route"] == "GET /work/{n}" and route["change_ms_per_request"] > 1.0
    assert "slow_function" in route["summary"] and route["svg"] is None
    assert route["top"][0]["total_ms"] >= route["top"][-1]["total_ms"]
    drawn = with_svg["routes"][0]  # largest gain first
    assert len(drawn["top"]) == 3
    ET.fromstring(drawn["svg"])  # a whole SVG document
    assert not listed["skipped"]  # the profiles beside the runs are not mistaken for runs


async def test_a_run_without_a_profile_is_named(history: Path, tmp_path: Path) -> None:
    oldest = sorted(history.glob("baseline-*.json"))[0].name
    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        text = await call_error(client, "profile_diff", {"base": oldest})
    assert "has no profile" in text and "PERFKIT_PROFILE=true" in text
