"""The servers of `perfkit bench profiler`: the reference service with the sampler
(``--stack on``: ``PERFKIT_PROFILE=true``) or without it; both with the whole middleware stack."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from perfkit.service.app import create_bench_app


def create_app(stack: bool) -> Starlette:
    os.environ["PERFKIT_PROFILE"] = "true" if stack else "false"
    return create_bench_app(stack=True)
