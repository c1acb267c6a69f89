"""Every runnable code block of the tutorials, the how-to guides and README runs, as a reader
would run it: the blocks of a page in order, in a fresh folder, with the checkout's venv on
PATH (the convention is in tools/docsite/codeblocks.py and docs/contributing/index.md).

Console blocks run with no ``REDIS_URL`` (as the tutorials say: perfkit starts what it
needs); Python blocks get the session's Redis with a key prefix of their own. Everything a
block starts in the background is stopped when it ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from perfkit.connection import RedisTarget
from tools.docsite.codeblocks import Block, blocks, commands, shell_script

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = [*sorted([*(DOCS / "tutorials").glob("*.md"), *(DOCS / "how-to").glob("*.md")]),
         REPO / "README.md"]  # fmt: skip
BLOCK_TIMEOUT_S = 900

pytestmark = [pytest.mark.slow, pytest.mark.docs]


def _environment(redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("PERFKIT_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PERFKIT_LOADGEN_WORKERS"] = "1"
    env.pop("GITHUB_STEP_SUMMARY", None)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
        env["REDIS_KEY_PREFIX"] = f"docs-{uuid.uuid4().hex[:10]}:"
    return env


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the block's process group (its background servers too), then SIGKILL."""
    for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def _run(block: Block, folder: Path, redis_url: str) -> None:
    if block.lang == "python":
        script = folder / f"_block_{block.line}.py"
        script.write_text(block.code, encoding="utf-8")
        argv = [sys.executable, script.name]
        env = _environment(redis_url)
    else:
        argv = ["bash", "-c", shell_script(block)]
        env = _environment(None)
    log = folder / f"_block_{block.line}.log"
    with log.open("wb") as sink:  # a file, not a pipe: background servers keep theirs open
        process = subprocess.Popen(argv, cwd=folder, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            process.wait(timeout=BLOCK_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{block.where} did not finish in {BLOCK_TIMEOUT_S} s:\n{_tail(log)}")
        finally:
            _stop_group(process)
            process.wait()
    assert process.returncode == 0, f"{block.where} failed:\n{_tail(log)}"


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-4000:]


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_page_runs_as_written(page: Path, tmp_path: Path, redis_target: RedisTarget) -> None:
    found = blocks(page)
    ran = 0
    for block in found:
        if block.file is not None:
            (tmp_path / block.file).write_text(block.code, encoding="utf-8")
        elif block.runnable:
            _run(block, tmp_path, redis_target.url)
            ran += 1
    skipped = [b for b in found if b.lang in ("python", "console") and b.skip]
    assert ran or skipped or not found, f"{page.name} has no runnable block"


def test_every_console_block_has_commands() -> None:
    """A console block without a ``$ `` line would pass without running anything."""
    empty = [b.where for page in PAGES for b in blocks(page)
             if b.lang == "console" and b.runnable and not commands(b)]  # fmt: skip
    assert not empty
