"""A git ref of the user's repository, checked out into a temporary worktree for one block.

``git worktree add --detach`` shares the repository's objects, so a checkout costs only
the files written; the user's checkout, index, branch and stash are never touched. The
worktree is removed when the block ends, however it ends (an error, Ctrl-C); if perfkit
is killed outright, the next checkout prunes the stale entry git keeps for it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from perfkit.errors import InputError

_GIT_TIMEOUT_S = 300.0


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          timeout=_GIT_TIMEOUT_S)  # fmt: skip


def repository_root(folder: Path) -> Path:
    """The top folder of the git repository holding ``folder``; `InputError` outside one."""
    done = _git(folder, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise InputError(
            f"{folder} is not in a git repository: builds are git refs "
            "(or give running services with --base-url/--head-url)"
        )
    return Path(done.stdout.strip())


def resolve_commit(repo: Path, ref: str) -> str:
    """The full commit id ``ref`` names in ``repo``; `InputError` when it names none."""
    if not ref or ref.startswith("-"):
        raise InputError(f"{ref!r} is not a git ref")
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise InputError(f"git ref {ref!r} does not exist in {repo}")
    return done.stdout.strip()


def merge_base(repo: Path, one: str, other: str) -> str | None:
    """The best common ancestor of two refs, or None when they share no history."""
    done = _git(repo, "merge-base", "--end-of-options", one, other)
    return done.stdout.strip() if done.returncode == 0 else None


@contextlib.contextmanager
def checked_out(repo: Path, commit: str) -> Iterator[Path]:
    """``commit`` of ``repo`` as a detached worktree in a temporary folder, for one block."""
    _git(repo, "worktree", "prune")  # entries of worktrees a killed perfkit left behind
    folder = Path(tempfile.mkdtemp(prefix="perfkit-build-"))
    tree = folder / "tree"
    try:
        done = _git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["git worktree add failed"])[-1]
            raise InputError(f"cannot check out {commit[:12]}: {last}")
        yield tree
    finally:
        _git(repo, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(folder, ignore_errors=True)
        _git(repo, "worktree", "prune")
