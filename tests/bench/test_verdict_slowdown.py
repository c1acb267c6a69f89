"""The slowdown the verdict calibration injects (a wait the bench sets over HTTP) and the
per-comparison records (realised change, load, wait) it reports beside each verdict.
Real HTTP over loopback for the delay; the records from real arrays of latencies."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.analysis.data import RunData, endpoint_from_samples
from perfkit.bench import verdicts_sessions as records
from perfkit.bench.injected_delay import CONTROL_PATH, InjectedDelay, set_delay
from perfkit.bench.slowdowns import Slowdowns
from perfkit.serving import serve_app

SLEEP_S = 0.05


async def _slow(request: Request) -> Response:
    await asyncio.sleep(SLEEP_S)
    return PlainTextResponse("slow")


def _app() -> Starlette:
    return Starlette(routes=[Route("/slowed", _slow), Route("/other", _slow)])


def _median_ms(client: httpx.Client, url: str) -> float:
    times = []
    for _ in range(7):
        began = time.perf_counter()
        assert client.get(url).text == "slow"
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def test_the_slowed_path_waits_what_the_bench_sets() -> None:
    with serve_app(InjectedDelay(_app(), "/slowed")) as url, httpx.Client() as client:
        before = _median_ms(client, url + "/slowed")  # no wait until one is set
        set_delay(url, 50.0)
        slowed, other = _median_ms(client, url + "/slowed"), _median_ms(client, url + "/other")
    assert SLEEP_S * 1000 <= before < SLEEP_S * 1000 + 25, before
    assert 2 * SLEEP_S * 1000 <= slowed < 2 * SLEEP_S * 1000 + 50, slowed
    assert SLEEP_S * 1000 <= other < SLEEP_S * 1000 + 25, other


@pytest.mark.parametrize(
    ("method", "body"), [("PUT", b'{"ms": -1}'), ("PUT", b"fast"), ("PUT", b"{}"), ("GET", b"")]
)
def test_a_bad_wait_is_refused_and_changes_nothing(method: str, body: bytes) -> None:
    wrapped = InjectedDelay(_app(), "/slowed")
    with serve_app(wrapped) as url:
        answer = httpx.request(method, url + CONTROL_PATH, content=body)
    assert answer.status_code == 400 and wrapped.delay_s == 0


@pytest.mark.parametrize("path", ["slowed", CONTROL_PATH])
def test_a_path_that_cannot_be_slowed_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="slowed path"):
        InjectedDelay(_app(), path)


T0 = datetime(2026, 12, 4, 7, 40, tzinfo=UTC)


def _run(chat_ms: float, run_id: str) -> RunData:
    rng = np.random.default_rng(len(run_id))
    chat = endpoint_from_samples("chat", chat_ms * np.exp(rng.normal(0, 0.01, 400)), duration_s=4)
    return RunData(run_id, T0, "svc", "default", {}, {"chat": chat}, chat)


def test_the_realised_change_is_the_pooled_p50_ratio() -> None:
    change = records.realised_change(_run(150.0, "base"), _run(180.0, "head"), "chat")
    assert change == pytest.approx(0.20, abs=0.01)
    assert records.realised_change(_run(150.0, "base"), _run(180.0, "head"), "search") is None


def _record(
    size: float | None, load: float | None, flagged: bool, minute: int
) -> records.ComparisonRecord:
    at = (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
    realised = None if size is None else size - 0.01
    verdict = "regressed" if flagged else "unchanged"
    wait = None if size is None else 150 * size
    return records.ComparisonRecord("duet", size, at, load, realised, verdict, realised,
                                    flagged, 42.0, wait)  # fmt: skip


def test_records_are_kept_as_they_come_and_read_back(tmp_path: Path) -> None:
    kept = [_record(None, 4.2, False, 0), _record(0.2, 4.5, True, 1)]
    for record in kept:
        records.append(tmp_path / "keep", record)
    assert records.read(tmp_path / "keep") == kept
    assert records.read(tmp_path / "nothing") == []
    # a run that started after the second recording began gets its time and load
    assert records.began_at(kept, T0 + timedelta(minutes=1, seconds=2))[1] == 4.5
    assert records.began_at(kept, T0 - timedelta(minutes=1))[1] is None


@pytest.mark.parametrize(
    ("load", "name"),
    [(None, "load unknown"), (0.5, "load 0-3"), (4.0, "load 3-6"), (6.0, "load 6-10"),
     (14.2, "load >= 10")],
)  # fmt: skip
def test_load_buckets(load: float | None, name: str) -> None:
    assert records.bucket(load) == name


def test_the_table_by_load_counts_each_condition_in_its_bucket() -> None:
    kept = [_record(None, 4.0, False, 0), _record(0.2, 4.1, True, 1),
            _record(0.2, 12.0, False, 2), _record(0.1, 12.5, False, 3)]  # fmt: skip
    rows = records.by_load(kept, "duet", (0.1, 0.2)).splitlines()
    assert rows[0] == "| duet: load (1 min) | A/A flagged | +10% caught | +20% caught |"
    assert rows[2] == "| load 3-6 | 0/1 | - | 1/1, realised +19.0% |"
    assert rows[3] == "| load >= 10 | - | 0/1, realised +9.0% | 0/1, realised +19.0% |"
    assert rows[4].startswith("| all | 0/1 | 0/1, realised +9.0% | 1/2, realised +19.0% |")
    listing = records.listing(kept).splitlines()
    assert listing[3] == (
        "| 07:41:00 | duet | 4.1 | +20% | 30.0 ms | +19.0% | regressed (flagged) | +19.0% |"
    )


def test_slowdowns_wait_their_size_of_the_base_p50() -> None:
    with (
        serve_app(InjectedDelay(_app(), "/slowed")) as ten,
        serve_app(InjectedDelay(_app(), "/slowed")) as twenty,
    ):
        slowdowns = Slowdowns("chat", {0.1: ten, 0.2: twenty})
        slowdowns.retune(_run(150.0, "base"))
        assert slowdowns.wait(0.2) == pytest.approx(30.0, rel=0.02)
        assert slowdowns.wait(0.1) == pytest.approx(15.0, rel=0.02) and slowdowns.wait(None) is None
        with httpx.Client() as client:
            assert _median_ms(client, twenty + "/slowed") >= SLEEP_S * 1000 + 30
        slowdowns.retune(replace(_run(150.0, "base"), endpoints={}))  # unmeasured: kept
        assert slowdowns.wait(0.2) == pytest.approx(30.0, rel=0.02)


def test_slowdowns_scale_the_wait_by_the_share_earlier_recordings_realised() -> None:
    with serve_app(InjectedDelay(_app(), "/slowed")) as url:
        slowdowns = Slowdowns("chat", {0.2: url})
        slowdowns.retune(_run(150.0, "base"))  # nothing realised yet: 20 % of 150 ms
        assert slowdowns.wait(0.2) == pytest.approx(30.0, rel=0.02)
        # the recording with that wait moved the p50 by only +10 %: half the share shows up
        slowdowns.retune(_run(150.0, "base"), {0.2: 0.10})
        assert slowdowns.wait(0.2) == pytest.approx(60.0, rel=0.03)
        # an absurd reading is clamped, and the median of the recent ones decides
        slowdowns.retune(_run(150.0, "base"), {0.2: -0.5})
        assert slowdowns.efficiency[0.2][-1] == 0.25
