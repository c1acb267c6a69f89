"""`perfkit bench ...`: side-by-side benchmarks measured in one run (not timed tests).

Each subcommand lives beside the code it measures (`perfkit.<area>.bench`) and is
registered here.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: perfkit vs raw Redis vs peer libraries, side by side.",
                  no_args_is_help=True)  # fmt: skip
