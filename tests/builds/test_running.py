"""`perfkit.builds`: a git ref checked out into a temporary worktree and started from the
``[service]`` command, over real git, real processes and real HTTP."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from perfkit.builds.running import running_build
from perfkit.errors import InputError, PerfkitError
from perfkit.project import Project
from tests.builds.repo import PERFKIT_TOML, commit_app, git, two_builds


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def worktrees(repo: Path) -> list[str]:
    return [line for line in git(repo, "worktree", "list").splitlines() if line]


def processes_with(marker: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(marker in part for part in proc.info["cmdline"] or []):
            found.append(proc.pid)
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    two_builds(tmp_path / "svc")
    return tmp_path / "svc"


def test_a_ref_runs_in_a_worktree_that_is_gone_after_the_block(repo: Path) -> None:
    (repo / "app.py").write_text("uncommitted edit")  # the user's checkout, left as it is
    project = Project.find(repo)
    with running_build(project, "main~1", role="base build") as build:
        assert httpx.get(f"{build.url}/work").text == "v1"
        assert build.ref == "main~1" and build.label == f"main~1@{build.commit[:12]}"
        assert len(worktrees(repo)) == 2
        pid = build.pid
    assert pid is not None and gone(pid)
    assert len(worktrees(repo)) == 1
    assert (repo / "app.py").read_text() == "uncommitted edit"
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"


def test_ctrl_c_inside_the_block_stops_the_service_and_removes_the_worktree(repo: Path) -> None:
    with pytest.raises(KeyboardInterrupt), running_build(Project.find(repo), "main") as build:
        pid = build.pid
        raise KeyboardInterrupt
    assert pid is not None and gone(pid) and len(worktrees(repo)) == 1


def test_a_ref_that_does_not_exist_is_one_line_before_anything_starts(repo: Path) -> None:
    with (
        pytest.raises(InputError, match=r"^git ref 'no-such-branch' does not exist in "),
        running_build(Project.find(repo), "no-such-branch"),
    ):
        pass
    assert len(worktrees(repo)) == 1


def _service(command: str) -> str:
    return PERFKIT_TOML.replace(
        '"{python} -m uvicorn app:app --port {port} --log-level warning"', json.dumps(command)
    ).replace("ready_timeout = 30", "ready_timeout = 2")


def test_a_service_that_never_answers_is_quoted_and_stopped(repo: Path) -> None:
    marker = f"never-ready-{repo.name}-{id(repo)}"
    script = f"print('booting {marker}', flush=True); import time; time.sleep(60)"
    commit_app(repo, "v3", 1.0, _service(f'{{python}} -c "{script}" {{port}} {marker}'))
    with (
        pytest.raises(
            PerfkitError, match=rf"did not answer .* within 2 s; it printed: booting {marker}$"
        ),
        running_build(Project.find(repo), "HEAD"),
    ):
        pass
    assert processes_with(marker) == [] and len(worktrees(repo)) == 1


def test_a_port_in_use_is_one_line(repo: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # a service that also binds a fixed port of its own (say, a metrics port)
        script = f"import socket; socket.socket().bind(('127.0.0.1', {port}))"
        commit_app(repo, "v3", 1.0, _service(f'{{python}} -c "{script}" {{port}}'))
        with (
            pytest.raises(
                PerfkitError,
                match=r"the build HEAD@\w{12} did not start: .*Address already in use$",
            ),
            running_build(Project.find(repo), "HEAD"),
        ):
            pass
    assert len(worktrees(repo)) == 1


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('command = "serve"', r"service.command .* must contain \{port\}"),
        ('command = ""', "service.command must be a non-empty string"),
        ('command = "a {port}"\nready = "health"', "service.ready must be a path starting with /"),
        ('command = "a {port}"\nwait = 3', r"unknown key service.wait \(allowed: command, "),
        ('command = "a {port}"\nready_timeout = 0', "service.ready_timeout must be a number"),
        ('command = "a {port}"\ncwd = "../x"', "service.cwd must be a folder inside the project"),
        ('command = "a \'{port}"', "service.command cannot be split"),
    ],
)
def test_a_bad_service_table_is_one_line(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "perfkit.toml").write_text(f"[service]\n{table}\n")
    with pytest.raises(InputError, match=message) as caught:
        Project.find(tmp_path)
    assert "\n" not in str(caught.value)


def test_the_service_env_carries_the_port_and_python(tmp_path: Path) -> None:
    (tmp_path / "perfkit.toml").write_text(
        '[service]\ncommand = "{python} app.py"\nenv = { PORT = "{port}" }\n'
    )
    service = Project.find(tmp_path).service
    assert service is not None and service.argv() == [sys.executable, "app.py"]
    assert service.environment({})["PORT"] == "{port}"  # filled in once the port is picked
