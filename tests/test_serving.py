"""`perfkit.serving`: a subprocess server on a free port, waited on, stopped; in-process
uvicorn on a thread or on the running loop."""

from __future__ import annotations

import sys

import httpx
import psutil
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.errors import PerfkitError
from perfkit.serving import PORT, serve_app, serve_app_async, serve_process

HTTP_SERVER = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", PORT]


async def _hello(request: Request) -> Response:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/", _hello)])


def test_a_process_answers_inside_the_block_and_is_gone_after_it() -> None:
    with serve_process(HTTP_SERVER, name="the test server") as served:
        assert httpx.get(served.url).status_code == 200
        process = psutil.Process(served.pid)
    assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE


def test_a_child_that_exits_is_reported_with_its_last_error_line() -> None:
    command = [sys.executable, "-c", "import sys; sys.exit('no such app: ' + sys.argv[1])", PORT]
    with (
        pytest.raises(PerfkitError, match=r"^the test server did not start: no such app: \d+$"),
        serve_process(command, name="the test server"),
    ):
        pass


def test_a_child_that_never_answers_times_out() -> None:
    command = [sys.executable, "-c", "import time; time.sleep(30)", PORT]
    with (
        pytest.raises(PerfkitError, match=r"the test server did not answer .* within 1 s"),
        serve_process(command, name="the test server", timeout_s=1.0),
    ):
        pass


def test_serve_app_on_a_thread() -> None:
    with serve_app(APP) as url:
        assert httpx.get(url).text == "hello"


@pytest.mark.anyio
async def test_serve_app_on_the_running_loop() -> None:
    async with serve_app_async(APP) as url, httpx.AsyncClient(timeout=30) as client:
        assert (await client.get(url)).text == "hello"
