"""`perfkit ab` through the real `perfkit` process: two builds of a small app in a temporary
git repository, started from ``[service]``, loaded as a duet over real HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from perfkit.runs.history import History
from tests.builds.repo import PERFKIT_TOML, commit_app, git, two_builds

SHORT = ("--duration", "3", "--warmup", "0.5", "--blocks", "5", "--concurrency", "4")


def perfkit_ab(repo: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "perfkit", "ab", *args], cwd=repo,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def refused(repo: Path, *args: str) -> str:
    code, out, err = perfkit_ab(repo, *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, out + err  # the quoted output may hold a traceback
    return lines[0]


def left_behind(repo: Path) -> list[str]:
    """Processes running from a checkout of ``repo``, and its worktrees beyond the main one."""
    tmp = str(repo.parent)
    found = [f"pid {p.pid}" for p in psutil.process_iter(["cmdline"])
             if any(tmp in part for part in p.info["cmdline"] or [])]  # fmt: skip
    trees = git(repo, "worktree", "list").splitlines()[1:]
    return found + trees


@pytest.mark.slow
def test_ab_finds_the_slower_build_and_writes_both_runs(tmp_path: Path) -> None:
    base, head = two_builds(tmp_path / "svc", fast_ms=2.0, slow_ms=6.0)
    summary, junit = tmp_path / "summary.md", tmp_path / "junit.xml"
    reports = ("--junit", str(junit), "--summary", str(summary))
    code, out, err = perfkit_ab(tmp_path / "svc", "main~1", "main", *SHORT, *reports)
    assert code == 1, out + err
    assert "REGRESSED" in out
    runs = {
        s.run.environment.git_commit: s.run
        for s in History(tmp_path / "svc" / "reports" / "performance").runs(kind="ab")
    }
    assert set(runs) == {base, head}
    assert runs[base].session is not None and runs[base].session == runs[head].session
    assert len(runs[base].trials) == len(runs[head].trials) == 5
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
