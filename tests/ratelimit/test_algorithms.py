"""The algorithms admit what their definitions say: table-driven cases with controlled
time, one body run against every backend (Redis, the 3-node cluster, the in-process
fallback), which also proves the Lua and the fallback agree."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest

from perfkit.connection import Keyspace, SyncClient, sync_client
from perfkit.embedded import EmbeddedCluster
from perfkit.ratelimit.algorithms import MemoryStore, Spec, Verdict, decide
from perfkit.ratelimit.policy import Policy
from perfkit.ratelimit.scripts import Script, SyncScriptRunner

T0 = 1_699_999_980  # a multiple of every window below, so window edges fall on whole seconds
Run = Callable[[Sequence[Policy], float], list[Verdict]]


def redis_run(client: SyncClient, keyspace: Keyspace) -> Run:
    runner = SyncScriptRunner(client, Script())

    def run(policies: Sequence[Policy], t: float) -> list[Verdict]:
        keys = [keyspace.key("rl", p.name) + ":{caller}" for p in policies]
        argv: list[str | int] = [round((T0 + t) * 1e6)]
        for policy in policies:
            argv += Spec.of(policy).argv()
        reply = runner.run(keys, argv)
        return [Verdict(bool(reply[i]), *reply[i + 1 : i + 4]) for i in range(0, len(reply), 4)]

    return run


def memory_run() -> Run:
    store = MemoryStore()

    def run(policies: Sequence[Policy], t: float) -> list[Verdict]:
        keys = [f"{p.name}:{{caller}}" for p in policies]
        return decide(store, keys, [Spec.of(p) for p in policies], (T0 + t) * 1e6)

    return run


@pytest.fixture(params=["redis", pytest.param("cluster", marks=pytest.mark.cluster), "memory"])
def run(request: pytest.FixtureRequest, keyspace: Keyspace) -> Iterator[Run]:
    if request.param == "memory":
        yield memory_run()
        return
    if request.param == "redis":
        yield redis_run(request.getfixturevalue("redis_client"), keyspace)
        return
    cluster: EmbeddedCluster = request.getfixturevalue("redis_cluster")
    client = sync_client(cluster.target())
    yield redis_run(client, keyspace)
    client.close()


GCRA_BURST = Policy("gcra_burst", 3, 3.0, "gcra")
GCRA_SMOOTH = Policy("gcra_smooth", 2, 2.0, "gcra", burst=1)
GCRA_PUNISH = Policy("gcra_punish", 1, 1.0, "gcra", count_refused=True)
SLIDING = Policy("sliding", 4, 10.0, "sliding_window")

# (time in s, allowed, remaining, retry-after in ms)
CASES: dict[str, tuple[Policy, list[tuple[float, bool, int, int]]]] = {
    "gcra spends its burst at once, then one per interval": (GCRA_BURST, [
        (0, True, 2, 0), (0, True, 1, 0), (0, True, 0, 0), (0, False, 0, 1000),
        (0.5, False, 0, 500), (1.0, True, 0, 0), (1.0, False, 0, 1000), (10, True, 2, 0),
    ]),
    "gcra with burst 1 spaces requests evenly": (GCRA_SMOOTH, [
        (0, True, 0, 0), (0.4, False, 0, 600), (1.0, True, 0, 0), (1.5, False, 0, 500),
    ]),
    "gcra counting refused requests pushes the caller back": (GCRA_PUNISH, [
        (0, True, 0, 0), (0.5, False, 0, 500), (1.0, False, 0, 1000), (3.0, True, 0, 0),
    ]),
    "sliding window weighs the previous window by the time left": (SLIDING, [
        (1, True, 3, 0), (2, True, 2, 0), (3, True, 1, 0), (4, True, 0, 0),
        (5, False, 0, 5001),   # full: wait for the next window
        (10, False, 0, 1),     # previous 4 still weigh 4 at the window's start
        (12.5, True, 0, 0),    # 4 * 0.75 = 3 used
        (13, True, 0, 0),      # floor(4 * 0.7) + 1 = 3 used
        (13, False, 0, 2001),  # floor(4 * 0.7) + 2 = 4: free again after t = 15
        (15.001, True, 0, 0),
        (25, True, 2, 0),      # previous window had 3: floor(3 * 0.5) = 1 used
        (40, True, 3, 0),      # a window with no traffic in between forgets everything
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_algorithm_admits_what_its_definition_says(run: Run, case: str) -> None:
    policy, steps = CASES[case]
    got = [run([policy], t)[0] for t, *_ in steps]
    assert [
        (t, v.allowed, v.remaining, v.retry_ms) for (t, *_), v in zip(steps, got, strict=True)
    ] == [tuple(step) for step in steps]


def test_a_refused_request_consumes_no_other_policy(run: Run) -> None:
    wide = Policy("wide", 5, 10.0, "gcra")
    narrow = Policy("narrow", 2, 10.0, "sliding_window")
    assert [v.allowed for v in run([wide, narrow], 0)] == [True, True]
    assert [v.allowed for v in run([wide, narrow], 0)] == [True, True]
    refused = run([wide, narrow], 0)
    assert [v.allowed for v in refused] == [True, False]
    assert refused[0].remaining == 3  # would be 2 after this request, which did not count
    assert run([wide], 0)[0].remaining == 2


def test_a_shadow_policy_refuses_nothing(run: Run) -> None:
    shadow = Policy("dark", 1, 10.0, "gcra", shadow=True)
    enforced = Policy("lit", 5, 10.0, "gcra")
    assert [v.allowed for v in run([shadow, enforced], 0)] == [True, True]
    second = run([shadow, enforced], 0)
    assert [v.allowed for v in second] == [False, True]
    assert second[1].remaining == 3  # the enforced policy did count the admitted request


def test_fixed_window_reports_its_reset_and_refuses_at_the_limit(run: Run) -> None:
    policy = Policy("fixed", 2, 30.0, "fixed_window")
    first, second, third = (run([policy], 0)[0] for _ in range(3))
    assert (first.allowed, first.remaining, second.allowed, second.remaining) == (True, 1, True, 0)
    assert not third.allowed
    assert 29_000 <= third.retry_ms <= 30_000
    assert third.reset_ms == third.retry_ms
