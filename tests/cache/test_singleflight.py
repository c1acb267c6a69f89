from __future__ import annotations

import asyncio

import pytest

from perfkit.cache.singleflight import SingleFlight

pytestmark = pytest.mark.anyio


async def test_concurrent_calls_of_one_key_share_one_execution() -> None:
    flight, calls = SingleFlight(), []

    async def work() -> int:
        calls.append(1)
        await asyncio.sleep(0.01)
        return 7

    results = await asyncio.gather(*(flight.run("k", work) for _ in range(50)))
    assert results == [7] * 50 and len(calls) == 1 and len(flight) == 0


async def test_the_leaders_error_reaches_every_waiter_and_the_next_call_runs_again() -> None:
    flight = SingleFlight()

    async def fail() -> int:
        await asyncio.sleep(0.01)
        raise LookupError("upstream down")

    results = await asyncio.gather(
        *(flight.run("k", fail) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, LookupError) for r in results)

    async def ok() -> int:
        return 1

    assert await flight.run("k", ok) == 1


async def test_a_cancelled_leader_hands_over_to_a_waiter() -> None:
    flight, started = SingleFlight(), []

    async def work() -> str:
        started.append(1)
        await asyncio.sleep(0.05)
        return "done"

    leader = asyncio.create_task(flight.run("k", work))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(flight.run("k", work))
    await asyncio.sleep(0.01)
    leader.cancel()
    assert await waiter == "done"
    assert len(started) == 2
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_cancelled_waiter_does_not_disturb_the_others() -> None:
    flight = SingleFlight()

    async def work() -> str:
        await asyncio.sleep(0.03)
        return "v"

    tasks = [asyncio.create_task(flight.run("k", work)) for _ in range(3)]
    await asyncio.sleep(0.01)
    tasks[1].cancel()
    assert await tasks[0] == "v" and await tasks[2] == "v"
    assert tasks[1].cancelled()
