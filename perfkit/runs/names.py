"""One meaning for the names of runs, for the CLI, the notebooks and the MCP tools.

- ``latest``: the newest *baseline* run (of the target and scenario asked for, if any).
- ``latest@BRANCH``: the newest baseline run recorded on git branch BRANCH, other than
  the run it is compared with ("the latest run on main" for a pull request).
- ``previous``: the last comparable baseline run *before the candidate*: started earlier,
  same target label and scenario, the same load settings when such a run exists (else
  another load; the comparison notes it). Named as the candidate itself, it is the run
  before ``latest``. So ``compare previous latest`` is "the newest run against the one
  before it", and ``compare previous RUN`` is "RUN against the run before it".
- anything else: a run id, a file name or a path of a run file.

Only baseline runs count for ``latest``, ``previous`` and ``latest@BRANCH`` (see
`perfkit.runs.catalog`). A base newer than its candidate is allowed (comparing
backwards is sometimes what is meant) but always said in `Pair.warnings`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from perfkit.errors import InputError
from perfkit.runs.catalog import BASELINE, Catalog, matches
from perfkit.runs.index import RunEntry, entry_of_file
from perfkit.runs.index_rows import COMPARABLE_LOAD

__all__ = ["COMPARABLE_LOAD", "Pair", "comparable", "latest", "named", "pair_of", "previous",
           "resolve", "resolve_pair"]  # fmt: skip


def comparable(a: RunEntry, b: RunEntry) -> bool:
    """Same target label, scenario and comparable load (`RunData.comparable_key`)."""
    return (a.target, a.scenario, a.load_key) == (b.target, b.scenario, b.load_key)


@dataclass(frozen=True)
class Pair:
    base: RunEntry
    candidate: RunEntry
    warnings: list[str] = field(default_factory=list)


def _filters(target: str | None, scenario: str | None) -> str:
    return (f" of target {target!r}" if target else "") + (
        f" and scenario {scenario!r}" if scenario else ""
    )


def latest(catalog: Catalog, target: str | None = None, scenario: str | None = None) -> RunEntry:
    found = catalog.baselines(target, scenario)
    if not found:
        raise InputError(
            f"latest: the history in {catalog.where} does not hold a baseline run"
            + _filters(target, scenario)
        )
    return found[-1]


def previous(catalog: Catalog, candidate: RunEntry) -> RunEntry:
    """The last comparable baseline run before ``candidate`` (see the module docstring),
    found by walking the catalog back from its newest run."""
    earlier = None
    for e in reversed(catalog.entries):
        if (e.started_at < candidate.started_at and e.run_id != candidate.run_id
                and matches(e, candidate.target, candidate.scenario, BASELINE)):  # fmt: skip
            if comparable(e, candidate):
                return e
            earlier = earlier or e
    if earlier is None:
        raise InputError(
            f"previous: no baseline run of target {candidate.target!r} and scenario "
            f"{candidate.scenario!r} before {candidate.run_id} in {catalog.where}"
        )
    return earlier


def _on_branch(catalog: Catalog, key: str, other: RunEntry | None, target: str | None,
               scenario: str | None) -> RunEntry:  # fmt: skip
    branch = key.removeprefix("latest@")
    skip = None if other is None else other.run_id
    found = [e for e in catalog.baselines(target, scenario)
             if e.branch == branch and e.run_id != skip]  # fmt: skip
    if not found:
        raise InputError(f"{key}: no other baseline run of branch {branch!r} in {catalog.where}")
    return found[-1]


def named(catalog: Catalog, key: str) -> RunEntry:
    """A run by id, file name or path (any kind of run)."""
    for entry in catalog.entries:
        if key in (entry.run_id, entry.file, str(entry.path)):
            return entry
    path = Path(key)
    if path.suffix == ".json" and path.is_file():
        resolved = path.resolve()
        for entry in catalog.entries:
            if entry.path.resolve() == resolved:
                return entry
        return entry_of_file(path)
    raise InputError(f"no run {key!r} in {catalog.where}")


def resolve(catalog: Catalog, key: str, *, relative_to: RunEntry | None = None,
            target: str | None = None, scenario: str | None = None) -> RunEntry:  # fmt: skip
    """One run named ``key``; ``relative_to`` is the other run of a pair, if any."""
    key = key.strip()
    if not key:
        raise InputError("a run must be named (latest, previous, latest@BRANCH, an id or a file)")
    if key == "latest":
        return latest(catalog, target, scenario)
    if key == "previous":
        return previous(catalog, relative_to or latest(catalog, target, scenario))
    if key.startswith("latest@"):
        return _on_branch(catalog, key, relative_to, target, scenario)
    return named(catalog, key)


def resolve_pair(catalog: Catalog, base: str, candidate: str, *, target: str | None = None,
                 scenario: str | None = None) -> Pair:  # fmt: skip
    """The candidate first, then the base relative to it (``previous`` is the run before
    the candidate); a base newer than the candidate is warned about."""
    cand = resolve(catalog, candidate, target=target, scenario=scenario)
    return pair_of(resolve(catalog, base, relative_to=cand, target=target, scenario=scenario), cand)


def pair_of(found: RunEntry, cand: RunEntry) -> Pair:
    """The pair, with a warning when the base is the candidate or newer than it."""
    warnings = []
    if found.run_id == cand.run_id:
        warnings.append(f"base and candidate are the same run ({cand.run_id})")
    elif found.started_at > cand.started_at:
        warnings.append(
            f"the base {found.run_id} ({found.started_at:%Y-%m-%d %H:%M:%S}) is newer than the "
            f"candidate {cand.run_id} ({cand.started_at:%Y-%m-%d %H:%M:%S}): a slowdown reads "
            "as an improvement; swap them to compare the newer run against the older"
        )
    return Pair(found, cand, warnings)
