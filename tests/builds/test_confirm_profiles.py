"""Confirm before failing profiles the two builds it starts again: the confirmed verdict of
`perfkit compare --confirm-budget` is followed by the profile line of the regressed route,
drawn from the confirmation's own runs (the single runs it replaced kept no profile)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from perfkit.bisect.demo import make_demo_repo
from perfkit.profiling.profile import profile_path_for
from perfkit.runs.history import History
from perfkit.serving import PORT, serve_process
from tests.builds.repo import git
from tests.builds.test_confirm import perfkit

APP = [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", PORT,
       "--log-level", "warning"]  # fmt: skip


def record(repo: Path, ref: str) -> None:
    """A single unprofiled run of ``ref``, recorded as a CI job would."""
    git(repo, "checkout", "-q", ref)
    with serve_process(APP, name="the app", ready_path="/health", cwd=repo) as served:
        code, out, err = perfkit(repo, "baseline", "--target", served.url, "--target-label",
                                 "svc", "--duration", "2", "--concurrency", "4")  # fmt: skip
        assert code == 0, out + err
    git(repo, "checkout", "-q", "main")


@pytest.mark.slow
def test_the_confirmed_regression_names_the_added_function(tmp_path: Path) -> None:
    demo = make_demo_repo(tmp_path / "svc", commits=2, bad_at=2, cpu_ms=2.0, wait_ms=1.0,
                          added_ms=20.0)  # fmt: skip
    record(demo.root, "main~1")
    record(demo.root, "main")
    runs = demo.root / "reports" / "performance"
    assert list(runs.glob("*.profile.json.gz")) == []
    code, out, err = perfkit(demo.root, "compare", "previous", "latest", "--runs", str(runs),
                             "--confirm-budget", "20", "--json")  # fmt: skip
    assert code == 1, out + err
    result = json.loads(out)
    assert "confirmed: regressed" in result["notes"][0]
    (found,) = result["profiles"]
    assert (found["endpoint"], found["route"]) == ("work", "GET /work")
    assert found["top_frame"] == "app.checksum"
    confirmed = History(runs).runs(kind="ab")
    assert {s.run.run_id for s in confirmed} == {result["base"], result["candidate"]}
    assert all(profile_path_for(s.path).is_file() for s in confirmed)
