"""A throwaway service repository whose commit ``bad_at`` adds CPU work to its one route:
the subject of bisect's tests, of `perfkit bench bisect` and of notebook 06.

Commit 1 is an app whose ``GET /work`` spins ``cpu_ms`` of CPU and awaits ``wait_ms``
(about ``cpu_ms + wait_ms`` per request); each later commit edits ``NOTES.md``, except
commit ``bad_at``, which makes the route also call ``checksum()``, a function spinning
``added_ms`` more (on the thread's CPU clock: the same CPU however busy the machine).
The app is measured by perfkit's middleware, so with ``PERFKIT_PROFILE=true`` it
profiles; ``perfkit.toml`` has the ``[service]`` table.
``broken_at`` names a commit whose service exits at start-up (bisect must skip it).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

APP = """\
import asyncio
import time

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from perfkit.config import Settings
from perfkit.measure import MeasureConfig, PerformanceMiddleware, PerformanceMonitor
from perfkit.profiling import ProfilerConfig


def spin(ms):
    deadline = time.thread_time() + ms / 1000
    while time.thread_time() < deadline:
        pass
{added}

async def health(request):
    return PlainTextResponse("ok")


async def work(request):
    spin({cpu_ms})
    await asyncio.sleep({wait_ms} / 1000){call}
    return PlainTextResponse("done")


def create_app():
    settings = Settings.from_env()
    monitor = PerformanceMonitor(MeasureConfig(slow_log_enabled=False))
    profiler = ProfilerConfig.from_settings(settings).sampler()
    middleware = [Middleware(PerformanceMiddleware, monitor=monitor, profiler=profiler)]
    return Starlette(routes=[Route("/health", health), Route("/work", work)],
                     middleware=middleware)
"""

ADDED = """

def checksum(ms):
    \"\"\"Added by the slow commit: more CPU per request.\"\"\"
    deadline = time.thread_time() + ms / 1000
    while time.thread_time() < deadline:
        pass
"""

BROKEN = 'raise SystemExit("this commit does not start")\n'

SCENARIO = """\
name = "work"

[[endpoints]]
name = "work"
path = "/work"
"""

PERFKIT_TOML = """\
scenario = "scenario.toml"

[service]
command = "{python} -m uvicorn app:create_app --factory --port {port} --log-level warning"
ready = "/health"
ready_timeout = 60
"""


@dataclass(frozen=True)
class DemoRepo:
    root: Path
    commits: list[str]  # oldest first: commits[0] is commit 1
    bad_at: int  # 1-based number of the commit that slows the route

    @property
    def good(self) -> str:
        return self.commits[0]

    @property
    def bad(self) -> str:
        return self.commits[-1]

    @property
    def culprit(self) -> str:
        return self.commits[self.bad_at - 1]


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "perfkit", "GIT_AUTHOR_EMAIL": "perfkit@localhost",
           "GIT_COMMITTER_NAME": "perfkit", "GIT_COMMITTER_EMAIL": "perfkit@localhost",
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env)  # fmt: skip
    return done.stdout.strip()


def make_demo_repo(root: Path, *, commits: int = 16, bad_at: int = 11, cpu_ms: float = 3.0,
                   wait_ms: float = 2.0, added_ms: float = 2.0,
                   broken_at: int | None = None) -> DemoRepo:  # fmt: skip
    """The repository in ``root`` (created; must not exist or be empty), branch main."""
    if not 1 < bad_at <= commits:
        raise ValueError("bad_at must be a commit after the first")
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    (root / "perfkit.toml").write_text(PERFKIT_TOML)
    (root / "scenario.toml").write_text(SCENARIO)
    (root / ".gitignore").write_text("reports/\n__pycache__/\n")
    ids: list[str] = []
    for n in range(1, commits + 1):
        slow = n >= bad_at
        app = APP.format(
            cpu_ms=cpu_ms, wait_ms=wait_ms, added=ADDED if slow else "",
            call=f"\n    checksum({added_ms})" if slow else "",
        )  # fmt: skip
        (root / "app.py").write_text(BROKEN + app if n == broken_at else app)
        with (root / "NOTES.md").open("a") as notes:
            notes.write(f"- change {n}\n")
        git(root, "add", "-A")
        message = "work: also checksum the answer" if n == bad_at else f"notes: change {n}"
        message = "app: a commit that does not start" if n == broken_at else message
        git(root, "commit", "-q", "-m", message)
        ids.append(git(root, "rev-parse", "HEAD"))
    return DemoRepo(root, ids, bad_at)
