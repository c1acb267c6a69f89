"""Provenance from CI variables and from a real git repository."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from perfkit.runs.artifacts import write_run
from perfkit.runs.environment import capture_environment
from perfkit.runs.history import History
from perfkit.runs.model import Environment
from perfkit.runs.provenance import Provenance, capture, from_ci, from_git
from perfkit.runs.validate import Reader
from tests.runs.factory import make_run

GITHUB_PR = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SHA": "a" * 40,
    "GITHUB_HEAD_REF": "feature/x",
    "GITHUB_REF_NAME": "12/merge",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "team/service",
    "GITHUB_RUN_ID": "987",
}
GITLAB_MAIN = {
    "GITLAB_CI": "true",
    "CI_COMMIT_SHA": "b" * 40,
    "CI_COMMIT_REF_NAME": "main",
    "CI_JOB_URL": "https://gitlab.example/team/service/-/jobs/55",
}


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "service"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text("print(1)\n")
    _git(repo, "add", "app.py")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    return repo


def test_github_actions_gives_the_pull_requests_branch_and_the_run_url() -> None:
    found = from_ci(GITHUB_PR)
    assert found == Provenance(
        "a" * 40, "feature/x", "github-actions", "https://github.com/team/service/actions/runs/987"
    )
    push = from_ci({**GITHUB_PR, "GITHUB_HEAD_REF": "", "GITHUB_REF_NAME": "main"})
    assert push.branch == "main"


def test_gitlab_ci_gives_its_job_url() -> None:
    assert from_ci(GITLAB_MAIN) == Provenance(
        "b" * 40, "main", "gitlab-ci", "https://gitlab.example/team/service/-/jobs/55"
    )
    merge_request = {**GITLAB_MAIN, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "fix"}
    assert from_ci(merge_request).branch == "fix"


def test_outside_ci_nothing_comes_from_the_environment() -> None:
    assert from_ci({"PATH": "/usr/bin"}) == Provenance()


def test_git_gives_commit_branch_and_dirty(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    head = _git(repo, "rev-parse", "HEAD")
    assert from_git(repo) == Provenance(head, "main")
    (repo / "app.py").write_text("print(2)\n")
    assert from_git(repo).commit == f"{head}+dirty"
    _git(repo, "checkout", "-q", "--detach")
    assert from_git(repo).branch is None
    assert from_git(tmp_path) == Provenance()  # not a repository


def test_ci_variables_win_over_git_field_by_field(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _git(repo, "checkout", "-q", "--detach")  # as actions/checkout leaves a pull request
    found = capture(repo, GITHUB_PR)
    assert (found.commit, found.branch, found.ci) == ("a" * 40, "feature/x", "github-actions")
    no_sha = capture(repo, {k: v for k, v in GITHUB_PR.items() if k != "GITHUB_SHA"})
    assert no_sha.commit == _git(repo, "rev-parse", "HEAD")


def test_the_environment_carries_provenance_and_reads_older_files(tmp_path: Path) -> None:
    env = capture_environment(_repo(tmp_path), GITLAB_MAIN)
    assert (env.git_branch, env.ci, env.ci_job_url) == (
        "main",
        "gitlab-ci",
        GITLAB_MAIN["CI_JOB_URL"],
    )
    assert Environment.from_dict(Reader(env.to_dict(), "environment")) == env
    older = {k: v for k, v in env.to_dict().items() if k not in ("git_branch", "ci", "ci_job_url")}
    read = Environment.from_dict(Reader(older, "environment"))
    assert (read.git_commit, read.git_branch, read.ci_job_url) == (env.git_commit, None, None)


def test_the_latest_run_on_a_branch_is_picked_by_provenance(tmp_path: Path) -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    for hour, branch in enumerate(["main", "main", "feature", "main", "feature"]):
        run = make_run(started=t0 + timedelta(hours=hour))
        env = dataclasses.replace(run.environment, git_branch=branch)
        write_run(dataclasses.replace(run, environment=env), tmp_path)
    history = History(tmp_path)
    latest_main = history.latest_on_branch("main")
    assert latest_main is not None and latest_main.run.started_at.hour == 3
    before = history.latest_on_branch("main", exclude=latest_main.run.run_id)
    assert before is not None and before.run.started_at.hour == 1
    assert history.latest_on_branch("release") is None
