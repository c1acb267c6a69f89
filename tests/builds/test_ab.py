"""`perfkit ab` through the real `perfkit` process: two builds of a small app in a temporary
git repository, started from ``[service]``, loaded as a duet over real HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from perfkit.builds.running import running_build
from perfkit.project import Project
from perfkit.runs.history import History
from tests.builds.repo import PERFKIT_TOML, SCENARIO, commit_app, git, two_builds
from tests.interrupts import interruptible_perfkit

MARK = "PERFKIT_TEST_REPO"
SHORT = ("--duration", "3", "--warmup", "0.5", "--blocks", "6", "--concurrency", "4")


def marked(repo: Path) -> dict[str, str]:
    """The environment of a perfkit process for ``repo``: the builds it starts inherit it."""
    return {**os.environ, MARK: str(repo)}


def perfkit_ab(repo: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "perfkit", "ab", *args], cwd=repo,
                          env=marked(repo), capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def refused(repo: Path, *args: str) -> str:
    code, out, err = perfkit_ab(repo, *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, out + err  # the quoted output may hold a traceback
    return lines[0]


def left_behind(repo: Path) -> list[str]:
    """Processes started for ``repo`` (they inherit ``MARK``), and worktrees of ``repo``
    beyond its own."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.environ().get(MARK) == str(repo):
                found.append(f"pid {proc.pid}: {' '.join(proc.cmdline())}")
    return found + git(repo, "worktree", "list").splitlines()[1:]


@pytest.mark.slow
def test_ab_finds_the_slower_build_and_writes_both_runs(tmp_path: Path) -> None:
    base, head = two_builds(tmp_path / "svc", fast_ms=2.0, slow_ms=10.0)
    summary, junit = tmp_path / "summary.md", tmp_path / "junit.xml"
    reports = ("--junit", str(junit), "--summary", str(summary))
    code, out, err = perfkit_ab(tmp_path / "svc", "main~1", "main", *SHORT, *reports)
    assert code == 1, out + err
    assert "REGRESSED" in out and "paired trials" in " ".join(out.split())
    runs = {
        s.run.environment.git_commit: s.run
        for s in History(tmp_path / "svc" / "reports" / "performance").runs(kind="ab")
    }
    assert set(runs) == {base, head}
    assert runs[base].session is not None and runs[base].session == runs[head].session
    assert len(runs[base].trials) == len(runs[head].trials) == 6
    fast, slow = runs[base].overall.latency.p50_ms, runs[head].overall.latency.p50_ms
    assert fast is not None and slow is not None and fast < slow
    assert "perfkit ab" in summary.read_text() and "failures=" in junit.read_text()
    assert left_behind(tmp_path / "svc") == []


@pytest.mark.slow
def test_ab_of_one_ref_against_itself_is_not_flagged(tmp_path: Path) -> None:
    two_builds(tmp_path / "svc")
    code, out, err = perfkit_ab(tmp_path / "svc", "main", "main", *SHORT)
    assert code == 0, out + err
    assert "REGRESSED" not in out
    assert History(tmp_path / "svc" / "reports" / "performance").latest() is None  # kind "ab"


def test_a_base_ref_that_does_not_exist_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    two_builds(tmp_path / "svc")
    line = refused(tmp_path / "svc", "no-such-ref", "main", *SHORT)
    assert line == f"perfkit: error: git ref 'no-such-ref' does not exist in {tmp_path / 'svc'}"
    assert not (tmp_path / "svc" / "reports").exists()


def _service(command: str) -> str:
    return PERFKIT_TOML.replace(
        '"{python} -m uvicorn app:app --port {port} --log-level warning"', json.dumps(command)
    ).replace("ready_timeout = 30", "ready_timeout = 2")


def test_a_build_that_never_answers_is_quoted_stopped_and_writes_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    two_builds(repo)
    script = "print('listening on a socket file instead', flush=True); import time; time.sleep(60)"
    commit_app(repo, "v3", 1.0, _service(f'{{python}} -c "{script}" {{port}}'))
    line = refused(repo, "main~1", "main", *SHORT)
    assert "did not answer" in line and line.endswith(
        "it printed: listening on a socket file instead"
    )
    assert left_behind(repo) == [] and not (repo / "reports").exists()


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    two_builds(repo)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        script = f"import socket; socket.socket().bind(('127.0.0.1', {taken.getsockname()[1]}))"
        commit_app(repo, "v3", 1.0, _service(f'{{python}} -c "{script}" {{port}}'))
        line = refused(repo, "main", "main", *SHORT)
    assert "did not start" in line and line.endswith("Address already in use")
    assert left_behind(repo) == [] and not (repo / "reports").exists()


def test_no_service_table_says_how_to_add_one(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    two_builds(repo)
    commit_app(repo, "v3", 1.0, 'scenario = "scenario.toml"\n')
    line = refused(repo, "main~1", "main", *SHORT)
    assert "has no [service] table" in line


@pytest.mark.slow
def test_ctrl_c_stops_both_builds_and_removes_their_worktrees(tmp_path: Path) -> None:
    repo = tmp_path / "svc"
    two_builds(repo)
    command = interruptible_perfkit("ab", "main~1", "main", "--duration", "60")
    proc = subprocess.Popen(command, cwd=repo, env=marked(repo), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(git(repo, "worktree", "list").splitlines()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)  # the builds starting or being loaded
    try:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # never left running for a later test's garbage collection
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert left_behind(repo) == [] and not (repo / "reports").exists()


@pytest.mark.slow
def test_running_services_given_by_url_need_no_git(tmp_path: Path) -> None:
    two_builds(tmp_path / "svc", fast_ms=2.0, slow_ms=10.0)
    project = Project.find(tmp_path / "svc")
    with running_build(project, "main~1") as base, running_build(project, "main") as head:
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "scenario.toml").write_text(SCENARIO)
        code, out, err = perfkit_ab(tmp_path / "elsewhere", "--base-url", base.url,
                                    "--head-url", head.url, "--scenario", "scenario.toml",
                                    *SHORT)  # fmt: skip
    assert code == 1 and "REGRESSED" in out, out + err
    runs = History(tmp_path / "elsewhere" / "reports" / "performance").runs(kind="ab")
    assert {s.run.target_url for s in runs} == {base.url, head.url}
