"""`perfkit ab` starts both builds profiling, keeps each build's profile beside its run and
names the function the head added after the verdict; ``--no-profile`` leaves them unprofiled.
Two builds of a real app measured by perfkit's middleware, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfkit.bisect.demo import make_demo_repo
from perfkit.profiling.profile import ProfileSet, profile_path_for
from perfkit.runs.history import History
from tests.builds.test_ab import SHORT, left_behind, perfkit_ab


@pytest.mark.slow
def test_ab_profiles_both_builds_and_names_the_added_function(tmp_path: Path) -> None:
    demo = make_demo_repo(tmp_path / "svc", commits=2, bad_at=2, cpu_ms=2.0, wait_ms=1.0,
                          added_ms=6.0)  # fmt: skip
    summary = tmp_path / "summary.md"
    code, out, err = perfkit_ab(demo.root, "main~1", "main", *SHORT, "--summary", str(summary))
    assert code == 1 and "REGRESSED" in out, out + err
    (line,) = [n for n in out.splitlines() if n.startswith("profile:")]
    assert line.startswith("profile: work: GET /work +")
    assert line.endswith("of it in `app.checksum`")
    assert out.index("REGRESSED") < out.index(line)
    assert f"- {line}" in summary.read_text()
    runs = History(demo.root / "reports" / "performance").runs(kind="ab")
    profiles = {s.run.environment.git_commit: ProfileSet.read(profile_path_for(s.path))
                for s in runs}  # fmt: skip
    assert set(profiles) == {demo.good, demo.bad}
    for profile in profiles.values():  # each build profiled over the whole duet
        assert profile.routes["GET /work"].requests > 50
    assert left_behind(demo.root) == []


@pytest.mark.slow
def test_ab_no_profile_keeps_no_profile(tmp_path: Path) -> None:
    demo = make_demo_repo(tmp_path / "svc", commits=2, bad_at=2, added_ms=6.0)
    code, out, err = perfkit_ab(demo.root, "main~1", "main", *SHORT, "--no-profile", "--json")
    assert code == 1, out + err
    assert json.loads(out)["profiles"] == []
    runs = History(demo.root / "reports" / "performance").runs(kind="ab")
    assert len(runs) == 2
    assert not any(profile_path_for(s.path).exists() for s in runs)
    assert left_behind(demo.root) == []
