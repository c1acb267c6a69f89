"""The options `perfkit compare`, `perfkit trends` and `perfkit analytics` share, and the
decision rule's settings built from them (`perfkit ab` takes ``--threshold`` and
``--floor-ms`` from here too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from perfkit.config import Settings

if TYPE_CHECKING:
    from perfkit.analysis.verdict import CompareOptions

RUNS = typer.Option(
    None, "--runs", help="The history folder of runs; default: the project's reports/performance."
)
TARGET = typer.Option(None, "--target", help="Only runs of this target label.")
SCENARIO = typer.Option(None, "--scenario", help="Only runs of this scenario.")
JSON = typer.Option(False, "--json", help="Print JSON instead of tables.")
THRESHOLD = typer.Option(
    None,
    "--threshold",
    help="Smallest relative change that counts, > 0 (default 0.10 or "
    "PERFKIT_REGRESSION_THRESHOLD).",
)
FLOOR = typer.Option(
    None,
    "--floor-ms",
    help="Smallest absolute latency change that counts, in ms (default: none; the measured "
    "noise decides).",
)
CONFIRM = typer.Option(
    0.0,
    "--confirm-budget",
    help="Seconds to confirm a 'regressed' from single runs or the history by measuring both "
    "builds again as interleaved trials (perfkit.toml \\[service] or their URLs); 0: off.",
)


def compare_options(threshold: float | None, floor_ms: float | None) -> CompareOptions:
    """The decision rule's settings from ``--threshold`` (else PERFKIT_REGRESSION_THRESHOLD,
    else 0.10) and ``--floor-ms``, validated before any work starts."""
    from perfkit.analysis.verdict import CompareOptions

    gate = (
        threshold
        if threshold is not None
        else Settings.from_env().env_float("PERFKIT_REGRESSION_THRESHOLD", 0.10)
    )
    options = CompareOptions(threshold=gate, floor_ms=floor_ms)
    options.validate()
    return options
