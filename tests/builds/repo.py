"""A small service in a temporary git repository, two commits: the builds tests' subject.

The app answers ``/health`` and ``/work``; commit 1's ``/work`` takes about ``fast_ms``,
commit 2's about ``slow_ms`` (asyncio sleeps, so the two builds differ only in that).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

APP = """\
import asyncio
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

DELAY_S = {delay_ms} / 1000


async def health(request):
    return PlainTextResponse("ok")


async def work(request):
    await asyncio.sleep(DELAY_S)
    return PlainTextResponse("{version}")


app = Starlette(routes=[Route("/health", health), Route("/work", work)])
"""

SCENARIO = """\
name = "work"

[[endpoints]]
name = "work"
path = "/work"
"""

PERFKIT_TOML = """\
scenario = "scenario.toml"

[service]
command = "{python} -m uvicorn app:app --port {port} --log-level warning"
ready = "/health"
ready_timeout = 30
"""


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env)  # fmt: skip
    return done.stdout.strip()


def commit_app(repo: Path, version: str, delay_ms: float, config: str = PERFKIT_TOML) -> str:
    (repo / "app.py").write_text(APP.format(delay_ms=delay_ms, version=version))
    (repo / "perfkit.toml").write_text(config)
    (repo / "scenario.toml").write_text(SCENARIO)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", version)
    return git(repo, "rev-parse", "HEAD")


def two_builds(repo: Path, fast_ms: float = 2.0, slow_ms: float = 4.0) -> tuple[str, str]:
    """The repository on branch main: commit 1 (fast), commit 2 (slow); their ids."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return commit_app(repo, "v1", fast_ms), commit_app(repo, "v2", slow_ms)
