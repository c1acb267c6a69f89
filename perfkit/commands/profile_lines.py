"""The profile line of each regressed route, after the verdict of compare, ab and trends --gate.

The verdict is printed first and stands alone; then, when the comparison blames routes and
both runs kept a profile (`perfkit.profiling.regressions`), one line per route::

    profile: work +3.02 ms CPU per request, 2.96 ms of it in `app.checksum`

The same lines go into ``--json`` (``"profiles"``) and the Markdown summary (its facts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from perfkit.analysis.comparison import Comparison
    from perfkit.profiling.regressions import ProfileFindings
    from perfkit.runs.history import StoredRun


def findings(
    result: Comparison, runs: Callable[[], tuple[StoredRun, StoredRun] | None]
) -> ProfileFindings:
    """The profiles' answer; ``runs`` (base, head) is called only when a route regressed,
    so an unchanged comparison decodes nothing more."""
    from perfkit.profiling.regressions import ProfileFindings, profile_findings, regressed_routes

    pair = runs() if regressed_routes(result) else None
    return ProfileFindings() if pair is None else profile_findings(result, *pair)


def echo(found: ProfileFindings) -> None:
    """The lines after the verdict; why a regressed route has none goes to stderr."""
    for line in found.lines():
        typer.echo(line)
    for note in found.notes:
        typer.echo(f"note: profile: {note}", err=True)


def with_profiles(data: Mapping[str, Any], found: ProfileFindings) -> dict[str, Any]:
    """A comparison's JSON with its ``profiles`` (an empty list when none explains it)."""
    return {**data, "profiles": found.to_list()}
