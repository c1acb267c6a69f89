"""Which runs a notebook reads: the history folders, and the base and candidate runs.

The ``history`` parameter names folders (comma-separated); empty means the sample history
shipped in ``data/history`` plus the user's own runs in ``<reports>/performance``, read
together, oldest first, through their indexes. Runs are named as everywhere else
(`perfkit.runs.names`): ``latest``, ``previous``, ``latest@BRANCH``, a run id or a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfkit.errors import InputError
from perfkit.reports.notebook import ParameterError
from perfkit.reports.plots import RunLabel
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry
from perfkit.runs.names import Pair, pair_of, previous, resolve


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


def open_history(folders: list[Path]) -> Catalog:
    """Every readable run of ``folders``, from their indexes (unreadable files are skipped
    with a warning naming them); `ParameterError` when no folder holds a baseline run."""
    catalog = Catalog(folders)
    if not catalog.baselines():
        shown = ", ".join(str(f) for f in folders)
        raise ParameterError(f"parameter 'history': no runs found in {shown}")
    return catalog


def pick(catalog: Catalog, key: str, name: str) -> RunEntry:
    """The run named ``key`` (`perfkit.runs.names`: latest, latest@BRANCH, an id, a file)."""
    try:
        return resolve(catalog, key)
    except InputError as exc:
        raise ParameterError(f"parameter {name!r}: {exc}") from None


def select_pair(catalog: Catalog, base: str, candidate: str) -> Pair:
    """The candidate, then the base as `perfkit compare` names it: ``previous`` is the last
    comparable baseline run before the candidate (`perfkit.runs.names`); `Pair.warnings`
    says when the base is newer than the candidate."""
    cand = pick(catalog, candidate, "candidate")
    try:
        return pair_of(resolve(catalog, base, relative_to=cand), cand)
    except InputError as exc:
        raise ParameterError(f"parameter 'base': {exc}") from None


def select_pair_if_any(catalog: Catalog, base: str, candidate: str) -> Pair | None:
    """`select_pair`, except that ``previous`` of the first baseline run of its target and
    scenario is None instead of an error: a project's first ``perfkit report`` leaves one
    run, and its notebooks then say what a second would show (`perfkit.reports.
    too_few_runs`). Any other base that names no run is still an error."""
    if base.strip() == "previous":
        cand = pick(catalog, candidate, "candidate")
        try:
            previous(catalog, cand)
        except InputError:
            return None
    return select_pair(catalog, base, candidate)


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


def run_labels(runs: Sequence[RunEntry]) -> dict[str, RunLabel]:
    """Per run id: its series (target and scenario: runs of another are never joined on a
    chart) and its short commit, for `perfkit.plots.trend_chart`."""
    return {e.run_id: RunLabel(f"{e.target} / {e.scenario}", short_commit(e.commit)) for e in runs}
