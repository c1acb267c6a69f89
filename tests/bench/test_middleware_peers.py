"""`perfkit bench middleware --peers`: every stack, perfkit's and the peers', served and
loaded in one run on one Redis, with the issue's goals judged from the measured rows."""

from __future__ import annotations

import shutil

import pytest

from perfkit.bench.middleware import BenchOptions
from perfkit.bench.middleware_peer_apps import VARIANTS, create_app
from perfkit.bench.middleware_peers import goals, markdown, run_peers
from perfkit.errors import InputError


def test_an_unknown_stack_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown stack"):
        create_app("fastest")


@pytest.mark.slow
def test_every_stack_side_by_side() -> None:
    tool = "wrk" if shutil.which("wrk") else "httpx"
    options = BenchOptions(duration_s=1.0, rounds=1, warmup_s=0.3, connections=4, tool=tool)
    result = run_peers(options)
    assert list(result.rounds) == list(VARIANTS)
    for name, rounds in result.rounds.items():
        assert len(rounds) == 1 and rounds[0].requests_per_s > 0, name
        assert rounds[0].failed == 0, name  # every limiter admitted everything
        assert rounds[0].server_cpu_us, name
    assert len(goals(result)) == 9
    table = markdown(result)
    assert "| slowapi + instrumentator |" in table and "| goal | measured |" in table
    assert "| slowapi + instrumentator + cashews |" in table and "tutorial" in table
    assert "| slowapi route limit (`@limiter.limit`, headers_enabled) |" in table
