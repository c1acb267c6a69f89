"""Where a run was measured: perfkit and Python versions, host, and the git commit."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from pathlib import Path

from perfkit import __version__
from perfkit.runs.model import Environment


def git_commit(cwd: Path | None = None) -> str | None:
    """The checked-out commit (with ``+dirty`` when there are changes), or None."""
    where = cwd or Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where, capture_output=True, text=True, timeout=5,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def capture_environment() -> Environment:
    return Environment(
        perfkit_version=__version__,
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        platform=platform.platform(),
        machine=platform.machine(),
        host=socket.gethostname(),
        cpu_count=os.cpu_count() or 1,
        git_commit=git_commit(),
    )
