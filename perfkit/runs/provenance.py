"""Where a run came from: the project's git commit and branch, and the CI job that ran it.

CI first, git after: on GitHub Actions and GitLab CI the checkout is often a detached
HEAD (a pull request's merge commit), so the branch and the job's URL come from the
variables the CI sets; outside CI, from ``git`` in the project folder.

============== ===================================== ==================================
               GitHub Actions                         GitLab CI
============== ===================================== ==================================
commit         GITHUB_SHA                            CI_COMMIT_SHA
branch         GITHUB_HEAD_REF (pull request), else  CI_MERGE_REQUEST_SOURCE_BRANCH_NAME,
               GITHUB_REF_NAME                       else CI_COMMIT_REF_NAME
job URL        GITHUB_SERVER_URL/GITHUB_REPOSITORY/  CI_JOB_URL
               actions/runs/GITHUB_RUN_ID
============== ===================================== ==================================
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Provenance:
    commit: str | None = None
    branch: str | None = None
    ci: str | None = None  # "github-actions" | "gitlab-ci" | None
    job_url: str | None = None


def _first(env: Mapping[str, str], *names: str) -> str | None:
    return next((env[n] for n in names if env.get(n)), None)


def from_ci(env: Mapping[str, str]) -> Provenance:
    """What the CI's variables say (all None outside a known CI)."""
    if env.get("GITHUB_ACTIONS") == "true":
        server, repo, run = (env.get(n) for n in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                                   "GITHUB_RUN_ID"))  # fmt: skip
        url = f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None
        branch = _first(env, "GITHUB_HEAD_REF", "GITHUB_REF_NAME")
        return Provenance(env.get("GITHUB_SHA"), branch, "github-actions", url)
    if env.get("GITLAB_CI") == "true":
        branch = _first(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_REF_NAME")
        return Provenance(env.get("CI_COMMIT_SHA"), branch, "gitlab-ci", env.get("CI_JOB_URL"))
    return Provenance()


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                              timeout=5)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def from_git(folder: Path) -> Provenance:
    """The checked-out commit (``+dirty`` when tracked files changed) and branch (None on a
    detached HEAD) of the git repository holding ``folder``; None outside one."""
    commit = _git(folder, "rev-parse", "HEAD")
    if commit is not None and _git(folder, "status", "--porcelain", "--untracked-files=no"):
        commit += "+dirty"
    return Provenance(commit, _git(folder, "symbolic-ref", "--short", "-q", "HEAD"))


def capture(folder: Path, env: Mapping[str, str]) -> Provenance:
    """CI variables first, then git, field by field."""
    ci, git = from_ci(env), from_git(folder)
    return Provenance(ci.commit or git.commit, ci.branch or git.branch, ci.ci, ci.job_url)
