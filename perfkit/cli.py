"""`perfkit ...`: parse, call the library, print.

Each command group lives in `perfkit.commands`; this module assembles them and maps
`PerfkitError`, and a library of an extra that is not installed (`perfkit.extras`), to
one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys

import typer

from perfkit import __version__
from perfkit.commands import (
    ab_cmd,
    analytics_cmd,
    baseline_cmd,
    bench_cmd,
    bisect_cmd,
    compare_cmd,
    history_cmd,
    import_cmd,
    init_cmd,
    mcp_cmd,
    redis_cmd,
    report_cmd,
    serve_cmd,
    trends_cmd,
)
from perfkit.errors import PerfkitError
from perfkit.extras import missing_extra

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
compare_cmd.register(app)
trends_cmd.register(app)
analytics_cmd.register(app)
ab_cmd.register(app)
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


def _command_name() -> str:
    """``perfkit bench cache`` or ``perfkit compare``: the command as typed, for errors."""
    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    if not words:
        return "this command"
    groups = {"redis", "bench", "history", "import"}
    return "`perfkit " + " ".join(words[:2] if words[0] in groups else words[:1]) + "`"


def main() -> None:
    try:
        app()
    except PerfkitError as exc:
        print(f"perfkit: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except ModuleNotFoundError as exc:
        # a command of an extra that is not installed: say which extra, in one line
        words = [a for a in sys.argv[1:] if not a.startswith("-")]
        error = missing_extra(exc, _command_name(), words[0] if words else "")
        if error is None:
            raise
        print(f"perfkit: error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        sys.exit(130)
