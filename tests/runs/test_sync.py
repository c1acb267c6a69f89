"""`perfkit history push|pull` with real git: bare repositories in a temp folder, clones
pushing at the same time, and bad input that must leave both sides as they were."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from perfkit.errors import InputError
from perfkit.runs.artifacts import write_run
from perfkit.runs.git import ScratchRepo, redact, resolve_remote
from perfkit.runs.history import History
from perfkit.runs.sync import MARKER, local_runs, pull, push
from tests.runs.factory import make_run

RECORDED = Path(__file__).resolve().parents[1] / "analysis" / "data"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def bare(tmp_path: Path, name: str = "remote.git") -> Path:
    path = tmp_path / name
    git("init", "-q", "--bare", str(path))
    return path


def branch_files(remote: Path, branch: str = "perfkit-history") -> list[str]:
    return git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", branch).splitlines()


def branch_run_ids(remote: Path) -> list[str]:
    return sorted({p.split("/")[1] for p in branch_files(remote) if p.startswith("runs/")})


def record(folder: Path, *hours: int) -> list[str]:
    """Runs written as perfkit writes them, started ``hours`` after T0; their ids."""
    return [write_run(make_run(started=T0 + timedelta(hours=h)), folder).run.run_id for h in hours]


def snapshot(folder: Path) -> dict[str, bytes]:
    """The run files of ``folder`` (its index, a cache, aside)."""
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if not p.name.startswith(".perfkit-index")}  # fmt: skip


def test_push_creates_the_branch_and_a_pull_elsewhere_gets_the_same_files(tmp_path: Path) -> None:
    remote, local = bare(tmp_path), tmp_path / "local"
    shutil.copytree(RECORDED, local)  # three recorded runs with Parquet samples
    ids = record(local, 1)
    result = push(local, str(remote))
    assert result.attempts == 1 and len(result.added) == 4
    files = branch_files(remote)
    assert MARKER in files
    assert len([f for f in files if f.endswith(".samples.parquet")]) == 3
    assert any(f == f"runs/{ids[0]}/baseline-2026-03-01T01-00-00Z.json" for f in files)

    elsewhere = tmp_path / "elsewhere" / "performance"
    pulled = pull(elsewhere, str(remote))
    assert pulled.branch_exists and pulled.on_branch == 4 and len(pulled.added) == 4
    assert snapshot(elsewhere) == snapshot(local)  # byte for byte, names included
    history = History(elsewhere)
    assert len(history.runs(kind=None)) == 4 and not history.skipped
    recorded = [s for s in history.runs() if s.run.samples is not None]
    assert len(recorded) == 3 and all(history.samples(s).num_rows > 0 for s in recorded)

    assert push(local, str(remote)).added == []  # nothing new: no commit
    assert git("--git-dir", str(remote), "rev-list", "--count", "perfkit-history") == "1"
    assert pull(elsewhere, str(remote)).added == []


def test_pushes_only_ever_add_runs(tmp_path: Path) -> None:
    remote, first, second = bare(tmp_path), tmp_path / "a", tmp_path / "b"
    record(first, 1, 2)
    push(first, str(remote))
    record(second, 3)  # a clone that never saw runs 1 and 2
    push(second, str(remote))
    assert len(branch_run_ids(remote)) == 3
    log = git("--git-dir", str(remote), "log", "--format=%B", "perfkit-history")
    assert "add 20260301T030000Z-test" in log


def test_a_lost_race_fetches_again_and_both_runs_land_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both jobs fetch the same tip before either pushes (a barrier holds them), so one
    push must be rejected by git and retried on top of the other."""
    remote = bare(tmp_path)
    record(tmp_path / "seed", 0)
    push(tmp_path / "seed", str(remote))
    jobs = [tmp_path / "job1", tmp_path / "job2"]
    ids = [record(jobs[0], 1)[0], record(jobs[1], 2)[0]]
    barrier = threading.Barrier(2, timeout=30)
    real_push = ScratchRepo.push
    first_try: set[int] = set()

    def push_together(self: ScratchRepo, url: str, commit: str, branch: str) -> None:
        if threading.get_ident() not in first_try:
            first_try.add(threading.get_ident())
            barrier.wait()
        real_push(self, url, commit, branch)

    monkeypatch.setattr(ScratchRepo, "push", push_together)
    results: dict[int, int] = {}
    threads = [
        threading.Thread(
            target=lambda i=i: results.__setitem__(i, push(jobs[i], str(remote)).attempts)
        )
        for i in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == [1, 2]  # exactly one lost the race and retried
    on_branch = branch_run_ids(remote)
    assert on_branch == sorted(["20260301T000000Z-test", *ids])
    assert len(branch_files(remote)) == 1 + 3 * 2  # marker + (json, md) per run: no duplicate


@pytest.mark.slow
def test_two_clones_push_at_the_same_time_as_processes(tmp_path: Path) -> None:
    """Two CI jobs: fresh clones of one service repository, each with runs of its own,
    run ``perfkit history push`` at the same moment, four times over."""
    service, remote = bare(tmp_path, "service.git"), bare(tmp_path, "history.git")
    seed = tmp_path / "seed"
    git("clone", "-q", str(service), str(seed))
    (seed / "perfkit.toml").write_text(f'[history]\nremote = "{remote}"\n')
    git("add", "perfkit.toml", cwd=seed)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "perfkit", cwd=seed)
    git("push", "-q", "origin", "HEAD:main", cwd=seed)
    clones = [tmp_path / "job1", tmp_path / "job2"]
    for clone in clones:
        git("clone", "-q", "-b", "main", str(service), str(clone))
    expected = []
    for round_ in range(4):
        for n, clone in enumerate(clones):
            expected += record(clone / "reports" / "performance", round_ * 10 + n)
        procs = [
            subprocess.Popen([sys.executable, "-m", "perfkit", "history", "push"], cwd=clone,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for clone in clones
        ]  # fmt: skip
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert "pushed 1 run(s)" in out
    assert branch_run_ids(remote) == sorted(expected)
    assert len(branch_files(remote)) == 1 + 2 * len(expected)


def test_keep_removes_the_oldest_and_they_never_come_back(tmp_path: Path) -> None:
    remote, local = bare(tmp_path), tmp_path / "local"
    ids = record(local, 5, 1, 4, 2, 3)  # written out of order: age is the start time
    result = push(local, str(remote), keep=3)
    assert sorted(result.added) == sorted(ids[0:1] + ids[2:3] + ids[4:5])  # hours 5, 4, 3
    assert branch_run_ids(remote) == sorted([ids[0], ids[2], ids[4]])
    record(local, 6)
    again = push(local, str(remote), keep=3)
    assert again.removed == [ids[4]]  # hour 3, the oldest on the branch
    marker = orjson.loads(git("--git-dir", str(remote), "show", f"perfkit-history:{MARKER}"))
    assert sorted(marker["removed"]) == sorted([ids[1], ids[3], ids[4]])  # hours 1, 2, 3
    push(local, str(remote))  # no retention asked: removes nothing, and re-adds nothing
    assert len(branch_run_ids(remote)) == 3
    with pytest.raises(InputError, match="--keep must be at least 1"):
        push(local, str(remote), keep=0)


def test_a_pulled_run_whose_name_is_taken_is_filed_under_its_id(tmp_path: Path) -> None:
    remote, theirs, mine = bare(tmp_path), tmp_path / "theirs", tmp_path / "mine"
    shutil.copytree(RECORDED, theirs)
    push(theirs, str(remote))
    taken = sorted(theirs.glob("*.json"))[0]
    mine.mkdir()
    other = make_run(started=T0)
    (mine / taken.name).write_bytes(orjson.dumps(other.to_dict()))
    pulled = pull(mine, str(remote))
    assert len(pulled.added) == 3
    history = History(mine)
    assert len(history.runs(kind=None)) == 4 and not history.skipped
    renamed = next(s for s in history.runs() if s.path.name not in {taken.name} and
                   s.run.run_id in s.path.name)  # fmt: skip
    assert history.samples(renamed).num_rows > 0  # the samples were renamed with it
    assert (mine / taken.name).read_bytes() == orjson.dumps(other.to_dict())  # untouched


def test_two_runs_of_the_same_second_both_arrive(tmp_path: Path) -> None:
    """Two CI jobs that started in the same second wrote the same file names."""
    remote, jobs, local = bare(tmp_path), [tmp_path / "a", tmp_path / "b"], tmp_path / "local"
    for n, job in enumerate(jobs):
        run = make_run(started=T0)
        write_run(dataclasses.replace(run, run_id=f"{run.run_id}-{n}"), job)
        push(job, str(remote))
    assert len(branch_run_ids(remote)) == 2
    assert len(pull(local, str(remote)).added) == 2
    assert sorted(s.run.run_id for s in History(local).runs()) == sorted(branch_run_ids(remote))


def test_an_unreachable_remote_is_one_line_and_nothing_changes(tmp_path: Path) -> None:
    local = tmp_path / "local"
    record(local, 1)
    before = snapshot(local)
    for action in (push, pull):
        with pytest.raises(InputError, match=r"cannot reach .*missing\.git") as info:
            action(local, str(tmp_path / "missing.git"))
        assert "\n" not in str(info.value)
    assert snapshot(local) == before


def test_a_branch_that_is_not_a_history_is_refused_and_left_alone(tmp_path: Path) -> None:
    remote, work, local = bare(tmp_path), tmp_path / "work", tmp_path / "local"
    git("init", "-q", "-b", "perfkit-history", str(work))
    (work / "README.md").write_text("docs\n")
    git("add", "README.md", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "docs", cwd=work)
    git("push", "-q", str(remote), "perfkit-history", cwd=work)
    tip = git("--git-dir", str(remote), "rev-parse", "perfkit-history")
    record(local, 1)
    before = snapshot(local)
    for action in (push, pull):
        with pytest.raises(InputError, match="is not a perfkit history"):
            action(local, str(remote))
    assert git("--git-dir", str(remote), "rev-parse", "perfkit-history") == tip
    assert snapshot(local) == before


def test_an_invalid_local_run_stops_the_push_before_the_remote(tmp_path: Path) -> None:
    remote, local = bare(tmp_path), tmp_path / "local"
    record(local, 1)
    (local / "baseline-2026-03-02T00-00-00Z.json").write_text('{"schema_version": 1}')
    with pytest.raises(InputError, match=r"baseline-2026-03-02T00-00-00Z.json: missing field"):
        push(local, str(remote))
    assert git("--git-dir", str(remote), "branch", "--list") == ""  # nothing pushed


def test_an_invalid_run_on_the_branch_stops_the_pull_before_any_file(tmp_path: Path) -> None:
    remote, theirs, local = bare(tmp_path), tmp_path / "theirs", tmp_path / "local"
    record(theirs, 1, 2)
    push(theirs, str(remote))
    work = tmp_path / "work"
    git("clone", "-q", "-b", "perfkit-history", str(remote), str(work))
    broken = next((work / "runs").iterdir())
    next(broken.glob("*.json")).write_text('{"schema_version": 7}')
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "break", cwd=work)
    git("push", "-q", "origin", "perfkit-history", cwd=work)
    record(local, 9)
    before = snapshot(local)
    with pytest.raises(InputError, match=rf"runs/{broken.name}/.*schema_version 7"):
        pull(local, str(remote))
    assert snapshot(local) == before


def test_no_branch_yet_is_not_an_error_for_a_pull(tmp_path: Path) -> None:
    result = pull(tmp_path / "local", str(bare(tmp_path)))
    assert not result.branch_exists and result.added == []
    assert not (tmp_path / "local").exists()


def test_remotes_resolve_by_name_path_or_url_and_credentials_are_masked(tmp_path: Path) -> None:
    project = tmp_path / "project"
    git("init", "-q", str(project))
    git("remote", "add", "origin", "../remote.git", cwd=project)
    assert resolve_remote("origin", project) == str((tmp_path / "remote.git").resolve())
    assert resolve_remote("git@example.com:team/x.git", project) == "git@example.com:team/x.git"
    assert resolve_remote("../elsewhere.git", project) == str(tmp_path / "elsewhere.git")
    with pytest.raises(InputError, match="'upstream' is not a remote"):
        resolve_remote("upstream", project)
    assert redact("https://x-access-token:s3cret@github.com/a/b") == "https://***@github.com/a/b"


def test_local_runs_names_a_missing_samples_file(tmp_path: Path) -> None:
    shutil.copytree(RECORDED, tmp_path / "runs")
    next((tmp_path / "runs").glob("*.parquet")).unlink()
    with pytest.raises(InputError, match=r"its samples file .*\.parquet is missing"):
        local_runs(tmp_path / "runs")
