"""A demo repository per test (`perfkit.bisect.demo`) and the state of its checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from perfkit.bisect.options import BisectOptions

# Short trials: the tests' slowdowns are large; `perfkit bench bisect` measures the 2 ms goal.
FAST = BisectOptions(trials=3, duration_s=0.5, warmup_s=0.2)


def checkout_state(repo: Path) -> tuple[str, ...]:
    """HEAD, branch, status, stash, worktrees and any bisect state: what must not change."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              check=False).stdout  # fmt: skip

    bisect_files = sorted(p.name for p in (repo / ".git").glob("BISECT_*"))
    return (
        git("rev-parse", "HEAD"), git("symbolic-ref", "HEAD"), git("status", "--porcelain"),
        git("stash", "list"), git("worktree", "list", "--porcelain"), repr(bisect_files),
    )  # fmt: skip
