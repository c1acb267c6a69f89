"""Git questions answered before a bisect starts; each wrong answer is one `InputError`.

Nothing here changes the repository: the bisection itself runs over the list of commits
(`commits_between`) and each build is a temporary worktree (`perfkit.builds.checkout`),
so the user's checkout, branch, index and ``BISECT_*`` state are never touched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from perfkit.builds.checkout import resolve_commit
from perfkit.errors import InputError


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def check_repository(folder: Path, good: str, bad: str) -> tuple[Path, str, str]:
    """``(repository root, GOOD's commit, BAD's commit)`` once every check passed."""
    if shutil.which("git") is None:
        raise InputError("perfkit bisect needs git on PATH")
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError(f"{folder} is not in a git repository: bisect needs the project's history")
    repo = Path(top.stdout.strip())
    good_commit, bad_commit = resolve_commit(repo, good), resolve_commit(repo, bad)
    if good_commit == bad_commit:
        raise InputError(f"GOOD {good!r} and BAD {bad!r} are the same commit")
    if _git(repo, "merge-base", "--is-ancestor", good_commit, bad_commit).returncode != 0:
        raise InputError(f"GOOD {good!r} is not an ancestor of BAD {bad!r}")
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    if dirty:
        first = dirty[0][3:]
        raise InputError(
            f"the work tree of {repo} has uncommitted changes ({first}...): commit or stash "
            "them first, bisect measures commits"
        )
    return repo, good_commit, bad_commit


def commits_between(repo: Path, good: str, bad: str) -> list[str]:
    """``GOOD..BAD`` on the ancestry path, oldest first (BAD last, GOOD excluded)."""
    done = _git(repo, "rev-list", "--reverse", "--topo-order", "--ancestry-path", f"{good}..{bad}")
    if done.returncode != 0:
        raise InputError(f"git rev-list failed: {done.stderr.strip()}")
    return done.stdout.split()


def subject(repo: Path, commit: str) -> str:
    """The commit's one-line message."""
    return _git(repo, "log", "-1", "--format=%s", commit).stdout.strip()
