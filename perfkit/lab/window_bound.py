"""The most each algorithm admits in any window of length W, under an adversarial pattern.

README used to say GCRA leaves "no window edge to exploit". With burst = limit it has the
same worst case as the fixed window: a caller that saved up its burst spends it at once
and then takes the refill, L more over the next W. This module measures the guarantee,
with the real limiter on a real Redis, so a user can choose by the bound they need.

The pattern (times in units of W, starting on a whole multiple of W of the wall clock,
where the window algorithms' windows begin): one request at 0 (it starts the fixed
window, which begins at a caller's first request), a burst of 2L at 0.95 (just before
the edge), then 4L per W from 1.0 to 3.0 (whatever each algorithm refills, taken as soon
as it is there). The measure is the most admissions in any half-open interval [t, t + W).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

import pandas as pd

from perfkit.connection import Keyspace, SyncClient, sync_client
from perfkit.embedded import EmbeddedServer
from perfkit.errors import InputError
from perfkit.ratelimit.limiter import RateLimiter
from perfkit.ratelimit.policy import ALGORITHMS, Algorithm, Policy
from perfkit.ratelimit.settings import LimiterConfig

_BURST_AT = 0.95
_SUSTAIN_FROM, _SUSTAIN_TO, _SUSTAIN_RATE = 1.0, 3.0, 4


def adversarial_schedule(limit: int, window: float) -> list[float]:
    """Send times in seconds from the start (see the module docstring)."""
    burst = [_BURST_AT * window] * (2 * limit)
    steps = int((_SUSTAIN_TO - _SUSTAIN_FROM) * _SUSTAIN_RATE * limit)
    step = window / (_SUSTAIN_RATE * limit)
    return [0.0, *burst, *(_SUSTAIN_FROM * window + i * step for i in range(steps))]


def most_in_any_window(times: Sequence[float], window: float) -> int:
    """The largest number of ``times`` inside one interval [t, t + window)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def analytic_bound(algorithm: str, limit: int, burst: int | None = None) -> int:
    """The most a correct limiter admits in any window of length W: fixed window L at the
    end of one window and L at the start of the next; GCRA its burst then one per
    emission interval (W / L), so burst + L; the two-counter sliding window's estimate
    forgets the previous window linearly, so after L at the end of one window it admits
    up to L - 1 more before that window has fully slid out: 2L - 1."""
    if algorithm == "fixed_window":
        return 2 * limit
    if algorithm == "gcra":
        return (limit if burst is None else burst) + limit
    return 2 * limit - 1


def _run(limiter: RateLimiter, policy: Policy, schedule: Sequence[float]) -> list[float]:
    identity = f"lab-{uuid.uuid4().hex[:8]}"
    now = time.time()
    time.sleep(policy.window - now % policy.window)  # start on a window boundary
    t0 = time.perf_counter()
    admitted = []
    for at in schedule:
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if limiter.hit(identity, "/", policies=[policy]).allowed:
            admitted.append(time.perf_counter() - t0)
    return admitted


def window_bounds(
    client: SyncClient, keyspace: Keyspace, *, limit: int = 10, window: float = 1.0,
    gcra_bursts: Sequence[int] = (),
) -> pd.DataFrame:  # fmt: skip
    """One row per algorithm (and per extra GCRA burst): the analytic bound and the
    measured most admitted in any window of length ``window`` under the adversary."""
    if limit < 1 or not window > 0:
        raise InputError(f"need limit >= 1 and window > 0 (got {limit}, {window:g})")
    limiter = RateLimiter(client, LimiterConfig(local_cache=False), keyspace=keyspace)
    schedule = adversarial_schedule(limit, window)
    cases: list[tuple[Algorithm, int | None]] = [(a, None) for a in ALGORITHMS]
    cases += [("gcra", b) for b in gcra_bursts]
    rows = []
    for algorithm, burst in cases:
        policy = Policy(f"bound-{algorithm.replace('_', '-')}-{burst or limit}", limit, window,
                        algorithm=algorithm, burst=burst)  # fmt: skip
        admitted = _run(limiter, policy, schedule)
        rows.append(
            {
                "algorithm": algorithm if burst is None else f"gcra, burst {burst}",
                "limit per W": limit,
                "bound in any W": analytic_bound(algorithm, limit, burst),
                "measured most in any W": most_in_any_window(admitted, window),
                "admitted": len(admitted),
                "sent": len(schedule),
            }
        )
    return pd.DataFrame(rows).set_index("algorithm")


def measure_window_bounds(limit: int = 10, window: float = 1.0) -> pd.DataFrame:
    """`window_bounds` on an embedded Redis of its own, with GCRA at burst 1 and L / 2 too
    (notebook 05)."""
    with EmbeddedServer() as server:
        client = sync_client(server.target())
        try:
            return window_bounds(client, Keyspace("lab:"), limit=limit, window=window,
                                 gcra_bursts=sorted({1, max(1, limit // 2)}))  # fmt: skip
        finally:
            client.close()
