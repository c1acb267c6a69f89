"""Ctrl-C tests start perfkit as a terminal would, whatever SIGINT is in the test run."""

from __future__ import annotations

import sys

_WITH_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('perfkit', run_name='__main__', alter_sys=True)"
)


def interruptible_perfkit(*args: str) -> list[str]:
    """The command line of ``python -m perfkit ARGS`` with SIGINT raising KeyboardInterrupt.

    A command started with ``&`` by a shell without job control (``make test-all &``,
    ``nohup``, a CI runner's background step) runs with SIGINT ignored, every process it
    starts inherits that, and a Python started so never raises KeyboardInterrupt: the
    test's Ctrl-C was lost (``perfkit bisect`` ran to the end, ``perfkit ab`` loaded its
    whole 60 s). Handing SIGINT back in the child itself needs no ``preexec_fn``."""
    return [sys.executable, "-c", _WITH_SIGINT, *args]
