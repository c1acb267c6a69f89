"""The profile line of each regressed route, after the verdict of compare, ab and trends --gate.

The verdict is printed first and stands alone; then, when the comparison blames routes and
both runs kept a profile (`perfkit.profiling.regressions`), one line per route::

    profile: work +3.02 ms CPU per request, 2.96 ms of it in `app.checksum`

The same lines go into ``--json`` (``"profiles"``) and the Markdown summary (its facts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from perfkit.analysis.comparison import Comparison
    from perfkit.profiling.regressions import ProfileFindings
    from perfkit.runs.history import StoredRun
    from perfkit.runs.index import RunEntry


def findings(
    result: Comparison, runs: Callable[[], tuple[StoredRun, StoredRun] | None]
) -> ProfileFindings:
    """The profiles' answer; ``runs`` (base, head) is called only when a route regressed,
    so an unchanged comparison decodes nothing more."""
    from perfkit.profiling.regressions import ProfileFindings, profile_findings, regressed_routes

    pair = runs() if regressed_routes(result) else None
    return ProfileFindings() if pair is None else profile_findings(result, *pair)


def judged_runs(
    result: Comparison, runs: Path, base: RunEntry, candidate: RunEntry
) -> tuple[StoredRun, StoredRun]:
    """The two runs ``result`` judged: ``base`` and ``candidate``, or, when confirm-before-
    failing measured both builds again (its verdict replaced theirs), the two runs it
    wrote into ``runs``, with the profiles their builds kept."""
    from perfkit.analysis.indexed import full_run
    from perfkit.runs.catalog import Catalog
    from perfkit.runs.names import named

    if result.candidate_id == candidate.run_id:
        return full_run(base), full_run(candidate)
    catalog = Catalog.of(runs)  # read again: the confirmation wrote its runs after
    return full_run(named(catalog, result.base_id)), full_run(named(catalog, result.candidate_id))


def gate_findings(verdict: Comparison, runs: Path, like: list[RunEntry]) -> ProfileFindings:
    """The profiles' answer to the history gate: the gated run (``like[-1]``) against the
    newest earlier comparable run that kept a profile (the history's level has none of
    its own), or the confirmation's two runs when it measured again."""
    from perfkit.analysis.indexed import full_run
    from perfkit.profiling.profile import profile_path_for

    def pair() -> tuple[StoredRun, StoredRun] | None:
        if verdict.candidate_id != like[-1].run_id:
            return judged_runs(verdict, runs, like[-2], like[-1])
        kept = [e for e in like if profile_path_for(e.path).is_file()]
        if len(kept) < 2 or kept[-1].run_id != like[-1].run_id:
            return None
        return full_run(kept[-2]), full_run(like[-1])

    return findings(verdict, pair)


def echo(found: ProfileFindings) -> None:
    """The lines after the verdict; why a regressed route has none goes to stderr."""
    for line in found.lines():
        typer.echo(line)
    for note in found.notes:
        typer.echo(f"note: profile: {note}", err=True)


def with_profiles(data: Mapping[str, Any], found: ProfileFindings) -> dict[str, Any]:
    """A comparison's JSON with its ``profiles`` (an empty list when none explains it)."""
    return {**data, "profiles": found.to_list()}
