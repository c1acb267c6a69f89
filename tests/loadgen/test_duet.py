"""Duet loading: two builds loaded at once over real HTTP, every request paired in time."""

from __future__ import annotations

import asyncio

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.errors import InputError
from perfkit.loadgen.duet import run_duet
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import parse_scenario
from perfkit.serving import serve_app

SCENARIO = parse_scenario(
    {
        "name": "duet",
        "endpoints": [{"name": "a", "path": "/a", "weight": 3}, {"name": "b", "path": "/b"}],
    },
    "test",
)


def app(delay_ms: float) -> Starlette:
    async def answer(request: Request) -> Response:
        await asyncio.sleep(delay_ms / 1000)
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/a", answer), Route("/b", answer)])


def test_both_builds_get_the_same_requests_in_the_same_blocks() -> None:
    load = LoadConfig(concurrency=4, duration_s=1.5, warmup_s=0.2)
    with serve_app(app(1.0)) as fast, serve_app(app(6.0)) as slow:
        base, head = run_duet(fast, slow, SCENARIO, load, blocks=3)
    assert len(base) == len(head) == 3
    for b, h in zip(base, head, strict=True):
        assert [e.stats.count for e in b.endpoints] == [e.stats.count for e in h.endpoints]
        assert b.overall.count > 0 and b.overall.errors == h.overall.errors == 0
        assert b.overall.latency.p50_ms < h.overall.latency.p50_ms  # type: ignore[operator]
        assert len(b.samples[0][1].latency_ms) == b.overall.count
    assert base[0].finished_at <= base[1].started_at


@pytest.mark.parametrize(
    ("load", "blocks", "message"),
    [
        (LoadConfig(rate=10.0, model="open"), 5, "closed model for a duration"),
        (LoadConfig(duration_s=None, requests=100), 5, "closed model for a duration"),
        (LoadConfig(workers=2), 5, "one in-process worker"),
        (LoadConfig(), 1, "at least 2 blocks"),
    ],
)
def test_what_a_duet_cannot_run_is_refused(load: LoadConfig, blocks: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_duet("http://127.0.0.1:9", "http://127.0.0.1:9", SCENARIO, load, blocks=blocks)
