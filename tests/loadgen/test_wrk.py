"""`perfkit.loadgen.wrk`: wrk's own output read back, from a recorded run and live runs."""

from __future__ import annotations

import shutil

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.embedded import free_port
from perfkit.errors import PerfkitError
from perfkit.loadgen.wrk import parse_wrk, run_wrk
from perfkit.serving import serve_app

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:18765/api/users/42
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.47ms    2.40ms  20.64ms   91.24%
    Req/Sec     4.88k     2.02k    7.24k    70.00%
  Latency Distribution
     50%  578.00us
     75%    0.96ms
     90%    3.56ms
     99%   13.37ms
  4866 requests in 1.01s, 0.91MB read
  Non-2xx or 3xx responses: 1589
Requests/sec:   4829.16
Transfer/sec:      0.90MB
"""


def test_a_recorded_output() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.url == "http://127.0.0.1:18765/api/users/42"
    assert (result.threads, result.connections) == (1, 4)
    assert (result.mean_ms, result.max_ms) == pytest.approx((1.47, 20.64))
    assert result.requests_per_s == 4829.16
    assert result.requests == 4866
    assert result.duration_s == pytest.approx(1.01)
    assert result.percentiles_ms == pytest.approx({50: 0.578, 75: 0.96, 90: 3.56, 99: 13.37})
    assert result.non_2xx == 1589
    assert result.socket_errors == {}


def test_output_without_a_result_is_refused() -> None:
    with pytest.raises(PerfkitError, match=r"no 'Running \.\.\. test @ URL' line"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")
    truncated = WRK_OUTPUT[: WRK_OUTPUT.index("Requests/sec")]
    with pytest.raises(PerfkitError, match=r"no Requests/sec \(truncated\?\)"):
        parse_wrk(truncated)
    without_distribution = WRK_OUTPUT.replace("     99%   13.37ms\n", "")
    with pytest.raises(PerfkitError, match="no latency distribution"):
        parse_wrk(without_distribution)


async def _status(request: Request) -> Response:
    return PlainTextResponse("no", status_code=int(request.query_params.get("status", "200")))


@needs_wrk
def test_a_live_run_counts_its_requests_and_refusals() -> None:
    with serve_app(Starlette(routes=[Route("/", _status)])) as url:
        ok = run_wrk(url, connections=2, seconds=1)
        refused = run_wrk(f"{url}/?status=503", connections=2, seconds=1)
    assert ok.requests > 0 and ok.non_2xx == 0
    assert set(ok.percentiles_ms) == {50.0, 75.0, 90.0, 99.0}
    assert 0 < ok.percentiles_ms[50.0] <= ok.percentiles_ms[99.0]
    assert refused.non_2xx == refused.requests > 0


@needs_wrk
def test_a_target_that_refuses_connections_is_one_error() -> None:
    with pytest.raises(PerfkitError, match=r"^wrk failed: unable to connect"):
        run_wrk(f"http://127.0.0.1:{free_port()}/", connections=2, seconds=1)
