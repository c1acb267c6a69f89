"""`perfkit history push|pull`: the history of runs carried through a git branch.

The branch (``perfkit-history`` by default) holds perfkit's files only::

    perfkit-history.json                          {"format": "perfkit-history", "version": 1,
                                                   "removed": [run ids retention removed]}
    runs/<run id>/<kind>-<stamp>.json             the run, byte for byte as recorded
    runs/<run id>/<kind>-<stamp>.samples.parquet  its samples, when it has them
    runs/<run id>/<kind>-summary-<stamp>.md       its summary

A run is on the branch when its folder is. A push only adds folders; with ``keep`` it also
removes the oldest runs beyond that many (or does not add them) and notes their ids under
``removed``, so a later push from a clone that still holds them does not bring them back.
Pushes are fast-forward only: when two jobs push at once, the one that lost the race
fetches the new tip, applies its additions on top of it and pushes again, so no run is
lost or written twice. Everything is validated
before anything is written: a bad local run stops a push, a bad run on the branch stops a
pull, and a pull only ever adds files to the local folder.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from perfkit.atomic import write_bytes
from perfkit.errors import InputError
from perfkit.runs.catalog import Catalog
from perfkit.runs.git import PushRejected, ScratchRepo, redact
from perfkit.runs.history import read_run
from perfkit.runs.index import refresh_quietly
from perfkit.runs.model import Run

DEFAULT_BRANCH = "perfkit-history"
MARKER = "perfkit-history.json"
FORMAT = "perfkit-history"
ATTEMPTS = 10


@dataclass(frozen=True)
class LocalRun:
    run: Run
    files: dict[str, Path]  # file name -> path; the JSON, its samples and summary


@dataclass(frozen=True)
class PushResult:
    added: list[str]  # run ids
    removed: list[str]
    attempts: int


@dataclass(frozen=True)
class PullResult:
    added: list[Path]  # the JSON files written
    on_branch: int
    branch_exists: bool


def _summary_name(json_name: str, kind: str) -> str | None:
    stamp = json_name.removeprefix(f"{kind}-").removesuffix(".json")
    return f"{kind}-summary-{stamp}.md" if json_name.startswith(f"{kind}-") else None


def local_runs(folder: Path) -> list[LocalRun]:
    """Every run of ``folder`` with its files; `InputError` naming the first file that is
    not a valid run or whose samples are missing."""
    found = []
    for json_path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        run = read_run(json_path)
        files = {json_path.name: json_path}
        if run.samples is not None:
            samples = folder / run.samples.path
            if not samples.is_file():
                raise InputError(f"{json_path}: its samples file {samples.name} is missing")
            files[samples.name] = samples
        summary = _summary_name(json_path.name, run.kind)
        if summary and (folder / summary).is_file():
            files[summary] = folder / summary
        found.append(LocalRun(run, files))
    return found


def _removed(repo: ScratchRepo, tip: str, where: str) -> list[str]:
    """The branch marker's ``removed`` ids, checked: a branch without a valid marker is not
    a perfkit history."""
    not_history = f"{where} is not a perfkit history (no valid {MARKER} at its root)"
    if not repo.has(tip, MARKER):
        raise InputError(not_history)
    try:
        data = orjson.loads(repo.read([f"{tip}:{MARKER}"])[0])
    except orjson.JSONDecodeError:
        raise InputError(not_history) from None
    removed = data.get("removed") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or (data.get("format"), data.get("version")) != (FORMAT, 1)
        or not isinstance(removed, list)
        or not all(isinstance(r, str) for r in removed)
    ):
        raise InputError(not_history)
    return removed


def _marker_bytes(removed: list[str]) -> bytes:
    marker = {"format": FORMAT, "version": 1, "removed": removed}
    return orjson.dumps(marker, option=orjson.OPT_INDENT_2) + b"\n"


def _branch_runs(repo: ScratchRepo, tip: str) -> dict[str, list[str]]:
    """Run id -> the paths of its files on the branch."""
    runs: dict[str, list[str]] = {}
    if repo.has(tip, "runs"):
        for path in repo.run("ls-tree", "-r", "--name-only", tip, "runs/").decode().splitlines():
            runs.setdefault(path.split("/")[1], []).append(path)
    return runs


def _oldest(repo: ScratchRepo, tip: str | None, branch_runs: dict[str, list[str]],
            new: list[LocalRun], keep: int) -> list[str]:  # fmt: skip
    """The run ids beyond the newest ``keep`` (by start time) once ``new`` are added."""
    started = {r.run.run_id: r.run.started_at.isoformat() for r in new}
    if tip is not None and len(branch_runs) + len(new) > keep:
        specs = [next(p for p in paths if p.endswith(".json")) for paths in branch_runs.values()]
        for run_id, blob in zip(branch_runs, repo.read([f"{tip}:{s}" for s in specs]), strict=True):
            started[run_id] = str(orjson.loads(blob).get("started_at", ""))
    ordered = sorted(started, key=lambda run_id: (started[run_id], run_id))
    return ordered[: max(0, len(ordered) - keep)]


def _message(added: Iterable[LocalRun], removed: list[str]) -> str:
    lines = []
    for item in added:
        env = item.run.environment
        labelled = (("commit", env.git_commit), ("branch", env.git_branch), ("job", env.ci_job_url))
        origin = ", ".join(f"{label} {value}" for label, value in labelled if value)
        lines.append(f"add {item.run.run_id}" + (f" ({origin})" if origin else ""))
    lines += [f"remove {run_id} (retention)" for run_id in removed]
    return f"perfkit history: {len(lines)} change(s)\n\n" + "\n".join(lines) + "\n"


def push(
    folder: Path,
    url: str,
    branch: str = DEFAULT_BRANCH,
    *,
    keep: int | None = None,
    attempts: int = ATTEMPTS,
    pause: Callable[[float], None] = time.sleep,
) -> PushResult:
    """Add the runs of ``folder`` that the branch does not hold; see the module docstring."""
    if keep is not None and keep < 1:
        raise InputError(f"--keep must be at least 1 (got {keep})")
    runs = local_runs(folder)  # refuse a bad run before touching the remote
    where = f"branch {branch} of {redact(url)}"
    with ScratchRepo.open() as repo:
        for attempt in range(1, attempts + 1):
            tip = repo.fetch(url, branch)
            removed_before = _removed(repo, tip, where) if tip else []
            branch_runs = _branch_runs(repo, tip) if tip else {}
            known = set(branch_runs) | set(removed_before)
            new = [r for r in runs if r.run.run_id not in known]
            trimmed = _oldest(repo, tip, branch_runs, new, keep) if keep else []
            new = [r for r in new if r.run.run_id not in trimmed]
            if not new and not trimmed:
                return PushResult([], [], attempt)
            add = {f"runs/{r.run.run_id}/{name}": path.read_bytes()
                   for r in new for name, path in r.files.items()}  # fmt: skip
            on_branch = [t for t in trimmed if t in branch_runs]
            add[MARKER] = _marker_bytes(removed_before + trimmed)  # never to return
            remove = [p for t in on_branch for p in branch_runs[t]]
            commit = repo.commit(tip, add, remove, _message(new, on_branch))
            try:
                repo.push(url, commit, branch)
            except PushRejected:
                pause(random.uniform(0.05, 0.25) * attempt)
                continue
            return PushResult([r.run.run_id for r in new], on_branch, attempt)
    raise InputError(f"{where} kept moving: gave up after {attempts} attempts")


def _checked(run_id: str, files: dict[str, bytes], where: str) -> Run:
    """The run of one branch folder, validated with its files."""
    jsons = [name for name in files if name.endswith(".json")]
    if len(jsons) != 1:
        raise InputError(f"{where}: runs/{run_id} holds {len(jsons)} run files, expected 1")
    try:
        run = Run.from_dict(orjson.loads(files[jsons[0]]))
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{where}: runs/{run_id}/{jsons[0]}: not valid JSON ({exc})") from None
    except InputError as exc:
        raise InputError(f"{where}: runs/{run_id}/{jsons[0]}: {exc}") from None
    if run.run_id != run_id:
        raise InputError(f"{where}: runs/{run_id} holds run {run.run_id}")
    if run.samples is not None and run.samples.path not in files:
        raise InputError(f"{where}: runs/{run_id}: samples {run.samples.path} are missing")
    return run


def _local_names(
    folder: Path, run: Run, files: dict[str, bytes], claimed: set[str]
) -> dict[str, bytes]:
    """The files as named on the branch; renamed after the run id when a name is taken (by a
    local file or by another run of this pull: two jobs can start in the same second)."""

    def taken(name: str) -> bool:
        return name in claimed or (folder / name).exists()

    if not any(taken(name) for name in files):
        claimed.update(files)
        return files
    stamp = run.run_id
    samples = f"{run.kind}-{stamp}.samples.parquet"
    data = orjson.loads(next(v for k, v in files.items() if k.endswith(".json")))
    renamed = {}
    for name, content in files.items():
        if name.endswith(".json"):
            if run.samples is not None:
                data["samples"]["path"] = samples
            renamed[f"{run.kind}-{stamp}.json"] = orjson.dumps(data, option=orjson.OPT_INDENT_2)
        elif name.endswith(".samples.parquet"):
            renamed[samples] = content
        else:
            renamed[f"{run.kind}-summary-{stamp}.md"] = content
    clash = next((name for name in renamed if taken(name)), None)
    if clash is not None:
        raise InputError(f"{folder / clash} exists and is not run {run.run_id}")
    claimed.update(renamed)
    return renamed


def pull(folder: Path, url: str, branch: str = DEFAULT_BRANCH) -> PullResult:
    """Copy into ``folder`` the runs of the branch it does not hold; see the module docstring."""
    where = f"branch {branch} of {redact(url)}"
    with ScratchRepo.open() as repo:
        tip = repo.fetch(url, branch)
        if tip is None:
            return PullResult([], 0, branch_exists=False)
        _removed(repo, tip, where)
        branch_runs = _branch_runs(repo, tip)
        have = {e.run_id for e in Catalog.of(folder).entries} if folder.is_dir() else set()
        wanted = {run_id: paths for run_id, paths in branch_runs.items() if run_id not in have}
        specs = [p for paths in wanted.values() for p in paths]
        contents = dict(zip(specs, repo.read([f"{tip}:{p}" for p in specs]), strict=True))
        staged, claimed = [], set[str]()
        for run_id, paths in wanted.items():  # every run checked before one file is written
            files = {p.rsplit("/", 1)[1]: contents[p] for p in paths}
            staged.append(_local_names(folder, _checked(run_id, files, where), files, claimed))
    written = []
    for files in staged:
        for name in sorted(files, key=lambda n: n.endswith(".json")):  # the JSON last
            write_bytes(folder / name, files[name])
        written.append(folder / next(n for n in files if n.endswith(".json")))
    if written:
        refresh_quietly(folder)
    return PullResult(written, len(branch_runs), branch_exists=True)
