"""The most each algorithm admits in any window of length W, measured on real Redis."""

from __future__ import annotations

from perfkit.connection import Keyspace, SyncClient
from perfkit.lab.window_bound import analytic_bound, most_in_any_window, window_bounds


def test_most_in_any_window_counts_a_half_open_interval() -> None:
    assert most_in_any_window([0.0, 0.5, 0.99, 1.0, 1.2], 1.0) == 4  # 0.5 .. 1.2
    assert most_in_any_window([0.0, 1.0, 2.0], 1.0) == 1
    assert most_in_any_window([], 1.0) == 0


def test_no_algorithm_with_burst_at_the_limit_keeps_to_l_in_every_window(
    redis_client: SyncClient, keyspace: Keyspace
) -> None:
    """README's old claim (GCRA: "no window edge to exploit") is false with burst = L: the
    adversary gets nearly 2L into one window from GCRA, as from the fixed window; a
    smaller burst is what tightens GCRA's bound."""
    limit = 8
    table = window_bounds(redis_client, keyspace, limit=limit, window=0.8, gcra_bursts=(1,))
    measured = table["measured most in any W"]
    assert (measured <= table["bound in any W"]).all(), table
    for algorithm in ("gcra", "fixed_window"):
        assert measured[algorithm] >= 2 * limit - 2, table  # a scheduling slip may cost one
    assert measured["gcra, burst 1"] <= analytic_bound("gcra", limit, 1) == limit + 1
