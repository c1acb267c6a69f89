"""``python -m perfkit.bench.middleware_server --app module:factory --stack on --port N``.

Runs ``factory(stack=...)`` under uvicorn (one worker, no access log): the server
process of `perfkit bench middleware`.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any, cast

import uvicorn

from perfkit.errors import InputError


def load_factory(spec: str) -> Callable[..., Any]:
    """``"package.module:function"`` -> the function; `InputError` naming what is wrong."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"--app {spec!r} must look like package.module:factory")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"--app {spec!r}: cannot import {module_name!r} ({exc})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise InputError(f"--app {spec!r}: {module_name} has no callable {attr!r}")
    return cast("Callable[..., Any]", factory)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", required=True)
    parser.add_argument("--stack", required=True, help="on, off, or the factory's stack name")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    flags = {"on": True, "off": False}
    app = load_factory(args.app)(flags.get(args.stack, args.stack))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
