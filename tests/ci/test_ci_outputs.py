"""JUnit XML and the Markdown summary, from real runs and the real comparison; the JUnit
document is validated by its structure (testsuites > testsuite > testcase > failure)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfkit.analysis import CompareOptions, compare_runs, stored_run_data
from perfkit.ci import comparison_outcome, render_junit, render_summary, smoke_outcome
from perfkit.runs.history import History, StoredRun
from perfkit.runs.model import Criterion, SmokeVerdict

DATA = Path(__file__).resolve().parents[1] / "analysis" / "data"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def validate_junit(text: str) -> list[ET.Element]:
    """The structure CI systems read; returns the testcases. Counts must add up."""
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    cases: list[ET.Element] = []
    for suite in root:
        assert suite.tag == "testsuite"
        assert {"name", "tests", "failures", "errors", "skipped", "time", "timestamp"} <= set(
            suite.attrib
        )
        children = list(suite)
        assert all(c.tag == "testcase" for c in children)
        assert int(suite.get("tests", "-1")) == len(children)
        failed = [c for c in children if c.find("failure") is not None]
        assert int(suite.get("failures", "-1")) == len(failed)
        for case in children:
            assert case.get("name") and case.get("classname") and case.get("time") is not None
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message") and failure.text == failure.get("message")
        cases += children
    assert int(root.get("tests", "-1")) == len(cases)
    return cases


@pytest.fixture
def runs() -> list[StoredRun]:
    return History(DATA).runs()


def test_smoke_junit_has_a_case_per_criterion_and_failures_name_value_and_limit(
    runs: list[StoredRun],
) -> None:
    run = runs[0].run
    assert run.smoke is not None
    slow = Criterion("GET /api/chat p95 latency", 2345.6, 2000.0, "ms", False, "api")
    failing = dataclasses.replace(run, smoke=SmokeVerdict(False, [*run.smoke.criteria, slow]))
    outcome = smoke_outcome(failing)
    cases = validate_junit(render_junit([outcome], timestamp=NOW))
    assert len(cases) == len(run.smoke.criteria) + 1
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["GET /api/chat p95 latency"]
    assert failed[0].find("failure").get("message") == (  # type: ignore[union-attr]
        "measured 2345.6 ms, limit 2000 ms (api)"
    )
    summary = render_summary(outcome)
    assert summary.startswith("### :x: perfkit baseline: FAIL")
    assert (
        "| GET /api/chat p95 latency | **FAIL** | measured 2345.6 ms, limit 2000 ms (api) |"
        in summary
    )
    assert run.run_id in summary
    passing = render_summary(smoke_outcome(run))
    assert "PASS" in passing and "checks passed; nothing moved" in passing


def test_compare_junit_fails_exactly_the_regressed_metrics(runs: list[StoredRun]) -> None:
    pairs = [(a, b) for a in runs for b in runs if a is not b]
    results = [
        compare_runs(stored_run_data(a), stored_run_data(b), CompareOptions()) for a, b in pairs
    ]
    assert any(r.regressed for r in results) and any(not r.regressed for r in results)
    for result in results:
        outcome = comparison_outcome(result.to_dict(), health_score=87.0)
        cases = validate_junit(render_junit([outcome], timestamp=NOW))
        metrics = sum(len(e.metrics) for e in [result.overall, *result.endpoints])
        assert len(cases) == metrics
        failed = {c.get("name") for c in cases if c.find("failure") is not None}
        assert failed == {f"{endpoint} {m.metric}" for endpoint, m in result.regressions()}
        assert outcome.passed is not result.regressed
        summary = render_summary(outcome)
        assert "Health score: **87/100**" in summary
        assert ("FAIL" in summary.splitlines()[0]) is result.regressed
        for endpoint, m in result.regressions()[:30]:
            assert f"| {endpoint} {m.metric} | **FAIL** |" in summary


def _perfkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})  # fmt: skip


def test_compare_writes_junit_and_appends_to_the_github_step_summary(
    runs: list[StoredRun], tmp_path: Path
) -> None:
    step = tmp_path / "step-summary.md"
    step.write_text("earlier step\n")
    junit = tmp_path / "compare.xml"
    result = _perfkit("compare", runs[0].run.run_id, runs[-1].run.run_id, "--runs", str(DATA),
                      "--junit", str(junit), env={"GITHUB_STEP_SUMMARY": str(step)})  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    cases = validate_junit(junit.read_text())
    assert (result.returncode == 1) is any(c.find("failure") is not None for c in cases)
    text = step.read_text()
    assert text.startswith("earlier step\n### ") and "perfkit compare" in text


def test_smoke_writes_both_files_and_a_bad_path_is_refused_before_the_run(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "smoke.xml"
    refused = _perfkit("smoke", "--junit", str(missing), "--duration", "1")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "--junit" in refused.stderr and "does not exist" in refused.stderr
    junit, summary = tmp_path / "smoke.xml", tmp_path / "smoke.md"
    done = _perfkit("smoke", "--duration", "1", "--warmup", "0.5", "--out", str(tmp_path / "runs"),
                    "--junit", str(junit), "--summary", str(summary))  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    cases = validate_junit(junit.read_text())
    assert len(cases) >= 3 and all(c.get("classname") == "perfkit.smoke" for c in cases)
    assert summary.read_text().startswith("### ") and "perfkit smoke" in summary.read_text()
