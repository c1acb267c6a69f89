"""The runner against real uvicorn servers on loopback."""

from __future__ import annotations

import pytest

from perfkit.embedded import free_port
from perfkit.errors import InputError
from perfkit.loadgen.runner import LoadConfig, run_load
from perfkit.loadgen.scenario import parse_scenario
from perfkit.runs.samples import samples_table
from perfkit.serving import serve_app
from tests.loadgen.apps import Counter, stalling_app

MIXED = parse_scenario(
    {
        "name": "mixed",
        "endpoints": [
            {"name": "ok", "path": "/ok", "weight": 4},
            {"name": "boom", "path": "/boom"},
            {"name": "limited", "path": "/limited"},
            {"name": "missing", "path": "/missing"},
            {"name": "echo", "method": "POST", "path": "/echo", "json": {"a": 1}, "weight": 2},
        ],
    },
    "test",
)


def test_closed_model_counts_and_status_classes_are_exact(status_url: str) -> None:
    config = LoadConfig(requests=360, duration_s=None, warmup_s=0.0, concurrency=6)
    result = run_load(status_url, MIXED, config)
    assert result.overall.count == 360
    by_name = {e.name: e.stats for e in result.endpoints}
    assert by_name["ok"].status_counts == {"200": 160}
    assert by_name["echo"].status_counts == {"200": 80}  # the JSON body arrived intact
    assert by_name["boom"].errors_by_class == {"5xx": 40}
    assert by_name["limited"].errors_by_class == {"429": 40}
    assert by_name["missing"].errors_by_class == {"4xx": 40}
    assert result.overall.errors == 120
    assert result.overall.ok == 240
    assert result.generator.engine == "aiohttp"


@pytest.mark.parametrize("engine", ["httpx-aiohttp", "httpx"])
def test_every_engine_counts_the_same(status_url: str, engine: str) -> None:
    config = LoadConfig(requests=90, duration_s=None, warmup_s=0.0, concurrency=3, engine=engine)
    result = run_load(status_url, MIXED, config)
    assert result.overall.status_counts == {"200": 60, "404": 10, "429": 10, "500": 10}
    assert result.generator.engine == engine


def test_warm_up_requests_are_sent_but_not_counted(status_url: str, counter: Counter) -> None:
    only_ok = parse_scenario({"name": "ok", "endpoints": [{"name": "ok", "path": "/ok"}]}, "t")
    config = LoadConfig(requests=50, duration_s=None, warmup_s=0.3, concurrency=2)
    result = run_load(status_url, only_ok, config)
    assert result.overall.count == 50
    assert counter.hits > 50


def test_timeouts_and_refused_connections_are_classified(status_url: str) -> None:
    slow = parse_scenario({"name": "s", "endpoints": [{"name": "slow", "path": "/slow"}]}, "t")
    config = LoadConfig(requests=4, duration_s=None, warmup_s=0.0, concurrency=2, timeout_s=0.1)
    timed_out = run_load(status_url, slow, config)
    assert timed_out.overall.errors_by_class == {"timeout": 4}
    assert timed_out.overall.latency.p50_ms is None  # no response, no latency figure
    refused = run_load(f"http://127.0.0.1:{free_port()}", slow, config)
    assert refused.overall.errors_by_class == {"connect": 4}


def test_open_model_sends_exactly_rate_times_duration(status_url: str) -> None:
    only_ok = parse_scenario({"name": "ok", "endpoints": [{"name": "ok", "path": "/ok"}]}, "t")
    config = LoadConfig(model="open", rate=200.0, duration_s=1.0, warmup_s=0.2, concurrency=50)
    result = run_load(status_url, only_ok, config)
    assert result.overall.count == 200
    table = samples_table(result.samples, ["ok"])
    assert table.num_rows == 200
    intended = table.column("t_intended").to_pylist()
    assert intended == sorted(intended)
    assert all(0.0 <= t < 1.0 for t in intended)


@pytest.mark.slow
def test_a_stall_shows_in_the_open_model_and_hides_in_the_closed_one() -> None:
    work = parse_scenario({"name": "w", "endpoints": [{"name": "w", "path": "/work"}]}, "t")
    with serve_app(stalling_app(after_s=1.2)) as url:
        open_run = run_load(
            url, work, LoadConfig(model="open", rate=200.0, duration_s=3.0, warmup_s=0.2,
                                  concurrency=1000),
        )  # fmt: skip
    with serve_app(stalling_app(after_s=1.2)) as url:
        closed_run = run_load(url, work, LoadConfig(concurrency=4, duration_s=3.0, warmup_s=0.2))
    open_slow = sum(1 for v in samples_table(open_run.samples, ["w"]).column("latency_ms")
                    .to_pylist() if v >= 500)  # fmt: skip
    closed_slow = sum(1 for v in samples_table(closed_run.samples, ["w"]).column("latency_ms")
                      .to_pylist() if v >= 500)  # fmt: skip
    # open: every request scheduled during the stall waited (about 100 of 600 over 500 ms)
    assert open_slow >= 0.05 * open_run.overall.count
    assert open_run.overall.latency.p99_ms is not None and open_run.overall.latency.p99_ms >= 500
    # closed: only the requests in flight when it began (one per user) saw the stall
    assert 1 <= closed_slow <= 4
    assert closed_run.overall.latency.p99_ms is not None
    assert closed_run.overall.latency.p99_ms < open_run.overall.latency.p99_ms
    assert (
        closed_run.overall.latency.max_ms is not None and closed_run.overall.latency.max_ms >= 900
    )


@pytest.mark.slow
def test_worker_processes_merge_exactly(status_url: str) -> None:
    config = LoadConfig(requests=361, duration_s=None, warmup_s=0.0, concurrency=6, workers=2)
    result = run_load(status_url, MIXED, config)
    assert result.generator.workers == 2
    assert result.overall.count == 361
    assert sum(e.stats.count for e in result.endpoints) == 361
    assert {w for w, _ in result.samples} == {0, 1}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (LoadConfig(duration_s=-1.0), "duration must be > 0"),
        (LoadConfig(model="open", rate=0.0), "rate must be > 0"),
        (LoadConfig(concurrency=0), "concurrency must be >= 1"),
        (LoadConfig(duration_s=None), "give a duration or a request count"),
        (LoadConfig(engine="curl"), "unknown engine 'curl'"),
        (LoadConfig(rate=5.0), "needs the open model"),
    ],
)
def test_bad_settings_are_refused_before_any_request(config: LoadConfig, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_load("http://127.0.0.1:9", MIXED, config)
