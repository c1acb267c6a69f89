"""Confirm before failing: `perfkit compare --confirm-budget` measures both builds again as
interleaved trials when single runs say "regressed", through the real `perfkit` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.serving import PORT, serve_process
from tests.builds.repo import git, two_builds

# the tests of the recorded slower commit stay on one xdist worker, so it is recorded once
SHARES_THE_SLOWER_COMMIT = pytest.mark.xdist_group("confirm-slower-commit")

UVICORN = [sys.executable, "-m", "uvicorn", "app:app", "--port", PORT, "--log-level", "warning"]


def perfkit(cwd: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "perfkit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def record(repo: Path, ref: str, env: dict[str, str] | None = None) -> None:
    """A single run of ``ref``, recorded as a CI job would: checked out, started, loaded."""
    git(repo, "checkout", "-q", ref)
    with serve_process(UVICORN, name="the app", ready_path="/health", cwd=repo,
                       env={**os.environ, **(env or {})}) as served:  # fmt: skip
        code, out, err = perfkit(repo, "baseline", "--target", served.url, "--target-label",
                                 "svc", "--duration", "2", "--concurrency", "4")  # fmt: skip
        assert code == 0, out + err
    git(repo, "checkout", "-q", "main")


def compare(cwd: Path, repo: Path, budget: str) -> tuple[int, str]:
    runs = str(repo / "reports" / "performance")
    code, out, err = perfkit(cwd, "compare", "previous", "latest", "--runs", runs,
                             "--confirm-budget", budget)  # fmt: skip
    return code, out + err


@pytest.fixture(scope="module")
def slower_commit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("confirm") / "svc"
    two_builds(repo, fast_ms=2.0, slow_ms=40.0)  # plain to a single run at any load
    record(repo, "main~1")
    record(repo, "main")
    return repo


@SHARES_THE_SLOWER_COMMIT
@pytest.mark.slow
def test_a_regression_of_the_code_is_confirmed_on_interleaved_trials(slower_commit: Path) -> None:
    code, out = compare(slower_commit, slower_commit, "20")
    assert code == 1, out
    assert (
        "confirmed: regressed; prior said regressed; measured again as 5 + 5 interleaved"
        in " ".join(out.split())
    )


@SHARES_THE_SLOWER_COMMIT
def test_without_a_way_to_start_the_builds_the_first_verdict_stands(
    slower_commit: Path, tmp_path: Path
) -> None:
    code, out = compare(tmp_path, slower_commit, "20")  # no perfkit.toml here, URLs are gone
    assert code == 1, out
    assert "not confirmed: the candidate's build is gone" in " ".join(out.split())


@SHARES_THE_SLOWER_COMMIT
def test_a_budget_too_small_for_the_trials_confirms_nothing(slower_commit: Path) -> None:
    code, out = compare(slower_commit, slower_commit, "5")
    assert code == 1 and "leaves under 1 s a trial" in " ".join(out.split()), out


@SHARES_THE_SLOWER_COMMIT
def test_a_negative_budget_is_bad_input(slower_commit: Path) -> None:
    code, out = compare(slower_commit, slower_commit, "-1")
    assert code == 2 and "--confirm-budget must be" in out, out


@pytest.mark.slow
def test_a_slow_machine_is_not_blamed_on_the_code(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    two_builds(repo, fast_ms=2.0, slow_ms=2.0)
    record(repo, "main")
    record(repo, "main", env={"APP_DELAY_MS": "40"})  # same code, a slow moment
    code, out = compare(repo, repo, "20")
    assert code == 0, out
    assert "not confirmed: unchanged" in " ".join(out.split())
