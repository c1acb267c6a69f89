"""`perfkit ...`: parse, call the library, print.

Each command group lives in `perfkit.commands`; this module assembles them and maps
`PerfkitError` to one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from perfkit import __version__
from perfkit.commands import (
    analysis_cmd,
    baseline_cmd,
    bench_cmd,
    bisect_cmd,
    history_cmd,
    import_cmd,
    init_cmd,
    mcp_cmd,
    redis_cmd,
    report_cmd,
    serve_cmd,
)
from perfkit.errors import PerfkitError

app = typer.Typer(
    help="Make a web service fast and prove it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(redis_cmd.app, name="redis")
app.add_typer(bench_cmd.app, name="bench")
app.add_typer(history_cmd.app, name="history")
baseline_cmd.register(app)
analysis_cmd.register(app)
serve_cmd.register(app)
report_cmd.register(app)
import_cmd.register(app)
init_cmd.register(app)
mcp_cmd.register(app)
bisect_cmd.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"perfkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """perfkit: rate limiting, caching, measurement, baselines and reports."""


def main() -> None:
    try:
        app()
    except PerfkitError as exc:
        print(f"perfkit: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        sys.exit(130)
