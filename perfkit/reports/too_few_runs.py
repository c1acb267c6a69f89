"""What a notebook shows when the history is too short for its analysis: what is missing
and how to record it, in its headline, instead of failing on it.

A project's first ``perfkit report`` (notebook 01 records a baseline) leaves one run in
its history: the comparison of notebook 02 needs two, and a trend needs one level before
a step and one after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfkit.analysis.trends import Trend
from perfkit.reports.headline import Headline
from perfkit.runs.index import RunEntry

RECORD_ANOTHER = (
    "record another with `perfkit baseline` in the project's folder (`--target URL` for a "
    "service other than the project's), or run `perfkit report` again: its notebook 01 "
    "records one"
)
# the fewest runs in which a step can be found: two before it and two after it (one point
# has no spread to test against; measured: a 2x step with 1 % noise is found from 4 runs)
MIN_TREND_RUNS = 4


def _kind(run: RunEntry) -> str:
    return f"target {run.target!r} and scenario {run.scenario!r}"


def no_comparison(candidate: RunEntry) -> Headline:
    """Notebook 02's headline when ``candidate`` is the first baseline run of its kind."""
    return Headline(
        "No comparison yet: one run",
        "neutral",
        f"A comparison needs two baseline runs of one target and scenario; the history "
        f"holds one of {_kind(candidate)} ({candidate.run_id}): {RECORD_ANOTHER}.",
        (
            ("runs to compare", "1 of 2"),
            ("target", candidate.target),
            ("scenario", candidate.scenario),
        ),
    )


def no_base(run: RunEntry) -> str:
    """The line a notebook prints when ``previous`` of ``run`` names no run."""
    return (
        f"no earlier run to compare with: {run.run_id} is the first baseline run of "
        f"{_kind(run)} in the history; {RECORD_ANOTHER}"
    )


def trends(found: Sequence[Trend]) -> Headline | None:
    """Notebook 03's headline when its series are too short to hold a change point,
    else None (`perfkit.reports.headline.trends` then says what they hold)."""
    runs = max((len(t.run_ids) for t in found), default=0)
    if runs >= MIN_TREND_RUNS:
        return None
    return Headline(
        "Too few runs for a trend",
        "neutral",
        f"A change point needs at least {MIN_TREND_RUNS} runs of one target and scenario "
        f"(two on each side of a step); the history holds {runs}: {RECORD_ANOTHER}.",
        (
            ("runs", f"{runs} of {MIN_TREND_RUNS}"),
            ("change points", "none possible"),
            ("newest step", "n/a"),
        ),
    )
