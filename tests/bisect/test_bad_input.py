"""Bad input: one line, exit 2, before any build starts; the checkout exactly as it was,
also after Ctrl-C in the middle of a bisect."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfkit.bisect.demo import DemoRepo, make_demo_repo
from tests.bisect.conftest import checkout_state
from tests.interrupts import interruptible_perfkit

PERFKIT = [sys.executable, "-m", "perfkit"]


def bisect(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PERFKIT, "bisect", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


@pytest.fixture
def demo(tmp_path: Path) -> DemoRepo:
    return make_demo_repo(tmp_path / "repo", commits=4, bad_at=3)


def _one_line_exit_2(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and words in done.stderr, done.stderr


def test_good_not_an_ancestor_of_bad(demo: DemoRepo) -> None:
    before = checkout_state(demo.root)
    _one_line_exit_2(bisect(demo.root, demo.bad, demo.good), "is not an ancestor of BAD")
    assert checkout_state(demo.root) == before


def test_dirty_work_tree(demo: DemoRepo) -> None:
    with (demo.root / "NOTES.md").open("a") as notes:
        notes.write("uncommitted\n")
    before = checkout_state(demo.root)
    _one_line_exit_2(bisect(demo.root, demo.good, demo.bad), "uncommitted changes (NOTES.md")
    assert checkout_state(demo.root) == before


def test_unknown_ref_and_no_git(demo: DemoRepo, tmp_path: Path) -> None:
    _one_line_exit_2(bisect(demo.root, "no-such-ref", demo.bad), "does not exist")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "perfkit.toml").write_text((demo.root / "perfkit.toml").read_text())
    (plain / "scenario.toml").write_text((demo.root / "scenario.toml").read_text())
    _one_line_exit_2(bisect(plain, "HEAD~1", "HEAD"), "is not in a git repository")


def test_bad_options(demo: DemoRepo) -> None:
    _one_line_exit_2(bisect(demo.root, demo.good, demo.bad, "--metric", "p42"), "--metric")
    _one_line_exit_2(bisect(demo.root, demo.good, demo.bad, "--endpoint", "nope"), "--endpoint")


@pytest.mark.slow
def test_ctrl_c_leaves_the_checkout_as_it_was(demo: DemoRepo) -> None:
    before = checkout_state(demo.root)
    command = interruptible_perfkit("bisect", demo.good, demo.bad)
    process = subprocess.Popen(command, cwd=demo.root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("bisecting")
        deadline = time.monotonic() + 60
        while len(checkout_state(demo.root)[4].split("worktree ")) < 4:  # GOOD's and BAD's
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert checkout_state(demo.root) == before
