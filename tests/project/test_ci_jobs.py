"""A project's life in CI, through the real `perfkit` process: `perfkit init`, two CI jobs
(fresh clones of one service repository) recording and pushing a run at the same time,
and a clean clone that pulls the history and sees every run with its commit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.project import Project
from perfkit.resources import packaged
from tests.runs.test_sync import bare, branch_run_ids, git

GITHUB_VARIABLES = ("GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_SHA", "CI_COMMIT_SHA")


def perfkit(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "perfkit", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def run_ok(cwd: Path, *args: str) -> str:
    code, out, err = finish(perfkit(cwd, *args))
    assert code == 0, out[-2000:] + err[-2000:]
    return out


def refused(cwd: Path, *args: str) -> str:
    code, _, err = finish(perfkit(cwd, *args))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_init_writes_a_project_that_perfkit_then_uses_and_never_overwrites(
    tmp_path: Path,
) -> None:
    out = run_ok(tmp_path, "init", "--notebooks", "--target", "http://127.0.0.1:8000")
    assert "wrote" in out
    project = Project.find(tmp_path)
    assert project.target == "http://127.0.0.1:8000"
    assert project.scenario() == tmp_path / "performance" / "scenario.toml"
    assert project.scenario().read_bytes() == packaged("scenarios", "starter.toml").read_bytes()
    assert project.thresholds() == tmp_path / "performance" / "thresholds.toml"
    assert len(list(project.notebooks().glob("*.ipynb"))) == 6
    assert project.history.branch == "perfkit-history" and project.history.remote == "origin"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert "perfkit.toml exists" in refused(tmp_path, "init")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_history_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    assert "cannot reach" in refused(tmp_path, "history", "pull", "--remote", "./missing.git")
    assert "'upstream' is not a remote" in refused(tmp_path, "history", "push", "--remote",
                                                   "upstream")  # fmt: skip
    remote = bare(tmp_path)
    work = tmp_path / "work"
    git("clone", "-q", str(remote), str(work))
    (work / "app.py").write_text("print(1)\n")
    git("add", "app.py", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "app", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)
    line = refused(work, "history", "pull", "--branch", "main")
    assert "branch main of" in line and "is not a perfkit history" in line
    assert not (work / "reports").exists()
    assert "--keep must be at least 1" in refused(work, "history", "push", "--keep", "0")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_two_ci_jobs_record_and_push_at_once_and_a_clean_clone_sees_both(tmp_path: Path) -> None:
    service, history = bare(tmp_path, "service.git"), bare(tmp_path, "history.git")
    seed = tmp_path / "seed"
    git("clone", "-q", str(service), str(seed))
    run_ok(seed, "init")
    # the runs load the reference service: its scenario replaces the empty one init writes
    scenario = packaged("scenarios", "default.toml").read_bytes()
    (seed / "performance" / "scenario.toml").write_bytes(scenario)
    toml = seed / "perfkit.toml"
    toml.write_text(toml.read_text().replace('remote = "origin"', f'remote = "{history}"'))
    git("add", ".", cwd=seed)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "perfkit", cwd=seed)
    git("push", "-q", "origin", "HEAD:main", cwd=seed)
    commit = git("rev-parse", "HEAD", cwd=seed)

    jobs = [tmp_path / "job1", tmp_path / "job2"]
    for job in jobs:
        git("clone", "-q", "-b", "main", str(service), str(job))
    record = ("baseline", "--duration", "1", "--warmup", "0.5", "--concurrency", "4")
    for code, out, err in [finish(p) for p in [perfkit(job, *record) for job in jobs]]:
        assert code == 0, out[-2000:] + err[-2000:]
    pushes = [finish(p) for p in [perfkit(job, "history", "push") for job in jobs]]
    for code, out, err in pushes:
        assert code == 0 and "pushed 1 run(s)" in out, out + err
    ids = sorted(
        json.loads(p.read_text())["run_id"]
        for job in jobs
        for p in (job / "reports" / "performance").glob("baseline-*.json")
    )
    assert len(ids) == 2 and branch_run_ids(history) == ids  # both, once each

    clean = tmp_path / "clean"
    git("clone", "-q", "-b", "main", str(service), str(clean))
    assert "pulled 2 run(s)" in run_ok(clean, "history", "pull")
    trends = json.loads(run_ok(clean, "trends", "--json"))
    points = {p["run_id"]: p for p in trends["points"]}
    assert sorted(points) == ids
    for point in points.values():
        assert point["git_commit"] == commit and point["git_branch"] == "main"
    table = run_ok(clean, "trends")
    assert table.count(commit[:12]) >= 2  # a commit per point in the printed trend
