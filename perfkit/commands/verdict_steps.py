"""What `perfkit compare`, `perfkit trends --gate` and `perfkit ab` do with a verdict once
it is decided: confirm a regression by measuring both builds again (``--confirm-budget``),
then show it, as text (the answer first, `perfkit.analysis.verdict_text`) or as JSON, with
the profile line of each regressed route (`perfkit.commands.profile_lines`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer

from perfkit.commands import profile_lines

if TYPE_CHECKING:
    from perfkit.analysis.compare import Comparison
    from perfkit.analysis.verdict import CompareOptions
    from perfkit.runs.index import RunEntry


def echo_json(data: object) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def print_comparison(result: Comparison, *, everything: bool) -> None:
    """The answer first, then what moved (`perfkit.analysis.verdict_text`)."""
    from perfkit.analysis.verdict_text import render

    typer.echo(render(result, everything=everything))


def confirm(result: Comparison, base: RunEntry, candidate: RunEntry, *, runs: Path,
            options: CompareOptions, budget_s: float) -> Comparison:  # fmt: skip
    """`perfkit.loadgen.confirm` on a regression, else ``result`` as it is (the two runs
    are decoded only then)."""
    if not result.regressed or budget_s == 0:
        return result
    from perfkit.analysis.indexed import full_run
    from perfkit.loadgen.confirm import Confirmation, confirm_regression

    conf = Confirmation.here(runs, options, budget_s)
    return confirm_regression(result, full_run(base).run, full_run(candidate).run, conf)


def show_verdict(result: Comparison, found: Any, *, as_json: bool, everything: bool) -> Any:
    """The verdict with its profile lines, as JSON or as text (compare, ab); the JSON
    document it stands on is returned for the CI outputs."""
    data = profile_lines.with_profiles(result.to_dict(), found)
    if as_json:
        echo_json(data)
    else:
        print_comparison(result, everything=everything)
        profile_lines.echo(found)
    return data
