"""A real bisect: a temporary git repository, each commit's service started from its
``[service]`` in a temporary worktree, real HTTP load, the real verdict and profiler."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.bisect.demo import make_demo_repo
from perfkit.bisect.report import write_report
from perfkit.bisect.session import run_bisect
from perfkit.loadgen.scenario import load_scenario
from perfkit.project import Project
from tests.bisect.conftest import FAST, checkout_state


@pytest.mark.slow
def test_names_the_commit_that_slowed_the_route_and_skips_one_that_does_not_start(
    tmp_path: Path,
) -> None:
    demo = make_demo_repo(tmp_path / "repo", commits=6, bad_at=5, added_ms=5.0, broken_at=3)
    before = checkout_state(demo.root)
    project = Project.find(demo.root)
    lines: list[str] = []
    result = run_bisect(project, demo.good, demo.bad, load_scenario(project.scenario()),
                        FAST, say=lines.append)  # fmt: skip

    assert result.first_bad == demo.culprit, "\n".join(lines)
    skipped = [t for t in result.tried if t.outcome == "skip"]
    assert [t.commit for t in skipped] == [demo.commits[2]]
    assert "did not start" in skipped[0].note and "does not start" in skipped[0].note
    diff = result.profile_diff()
    assert diff is not None and diff.top is not None and diff.top.frame == "app.checksum"
    assert checkout_state(demo.root) == before

    folder = write_report(result, tmp_path / "reports")
    assert {p.name for p in folder.iterdir()} >= {"bisect.json", "bisect.md", "chart.svg",
                                                  "profile-diff.svg"}  # fmt: skip
    assert demo.culprit[:12] in (folder / "bisect.md").read_text()
