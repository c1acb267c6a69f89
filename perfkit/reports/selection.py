"""Which runs a notebook reads: the history folders, and the base and candidate runs.

The ``history`` parameter names folders (comma-separated); empty means the sample history
shipped in ``data/history`` plus the user's own runs in ``<reports>/performance``, read
together, oldest first. Runs are named by ``latest``, ``previous``, a run id or a file name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfkit.reports.notebook import ParameterError
from perfkit.reports.plots import RunLabel
from perfkit.runs.history import History, StoredRun


def history_folders(history: str, reports: str) -> list[Path]:
    """The folders of the ``history`` parameter: comma-separated; empty means the sample
    history in ``data/history`` plus the user's own runs in ``<reports>/performance``."""
    if not history.strip():
        return [Path("data/history"), Path(reports) / "performance"]
    folders = [Path(part.strip()) for part in history.split(",") if part.strip()]
    for folder in folders:
        if not folder.is_dir():
            raise ParameterError(f"parameter 'history': {folder} is not a folder")
    return folders


def load_history(folders: list[Path], kind: str | None = "baseline") -> list[StoredRun]:
    """Every readable run of ``folders``, oldest first (unreadable files are skipped with a
    warning naming them); `ParameterError` when no folder holds a run."""
    runs = [s for folder in folders for s in History(folder).runs(kind=kind)]
    if not runs:
        shown = ", ".join(str(f) for f in folders)
        raise ParameterError(f"parameter 'history': no runs found in {shown}")
    return sorted(runs, key=lambda s: (s.run.started_at, s.path.name))


def _same_target(a: StoredRun, b: StoredRun) -> bool:
    return (a.run.target, a.run.scenario) == (b.run.target, b.run.scenario)


def _comparable(a: StoredRun, b: StoredRun) -> bool:
    return _same_target(a, b) and a.run.load == b.run.load


def pick(runs: Sequence[StoredRun], key: str, name: str) -> StoredRun:
    """The run named ``key`` (``latest``, a run id, a file name or a path)."""
    if key == "latest":
        return runs[-1]
    for stored in runs:
        if key in (stored.run.run_id, stored.path.name, str(stored.path)):
            return stored
    raise ParameterError(f"parameter {name!r}: no run {key!r} in the history")


def select_pair(
    runs: Sequence[StoredRun], base: str, candidate: str
) -> tuple[StoredRun, StoredRun]:
    """The candidate, and the base: ``previous`` is the latest run before the candidate
    that measured the same thing the same way (target label, scenario and load), else the
    latest of the same target and scenario under another load (the comparison notes it)."""
    cand = pick(runs, candidate, "candidate")
    if base != "previous":
        return pick(runs, base, "base"), cand
    earlier = [s for s in runs if s.run.started_at < cand.run.started_at and _same_target(s, cand)]
    if not earlier:
        raise ParameterError(
            f"parameter 'base': no earlier run of target {cand.run.target!r} and scenario "
            f"{cand.run.scenario!r} than {cand.run.run_id}"
        )
    same_load = [s for s in earlier if _comparable(s, cand)]
    return (same_load or earlier)[-1], cand


def split_names(text: str, name: str) -> list[str]:
    """A comma-separated parameter as a list; `ParameterError` when it names nothing."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ParameterError(f"parameter {name!r} names nothing")
    return names


def short_commit(commit: str | None) -> str:
    """``abc1234`` or ``abc1234+dirty`` (uncommitted changes), ``unknown`` when not recorded."""
    if not commit:
        return "unknown"
    sha, _, dirty = commit.partition("+")
    return sha[:7] + ("+dirty" if dirty else "")


def run_labels(runs: Sequence[StoredRun]) -> dict[str, RunLabel]:
    """Per run id: its series (target and scenario: runs of another are never joined on a
    chart) and its short commit, for `perfkit.plots.trend_chart`."""
    return {
        s.run.run_id: RunLabel(
            f"{s.run.target} / {s.run.scenario}", short_commit(s.run.environment.git_commit)
        )
        for s in runs
    }
