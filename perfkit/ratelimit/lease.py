"""Lease mode (opt-in): an instance leases a slice of a caller's quota from Redis in one
atomic step (`lua/lease.lua`), spends it in-process, and gives back what it did not use.

Exact mode asks Redis for every request. Lease mode asks once per *slice* requests of a
(policy, identity): a lease of ``slice`` requests moves the caller's GCRA state on as
``slice`` requests arriving at once would, so Redis never grants more than the policy
allows. A lease can be spent for ``ttl`` seconds; what is left then is given back with
the next lease call for the same key (no extra round trip), or when the limiter closes.

**The bound.** Requests are counted in Redis when leased and admitted up to ``ttl``
later, so a window can see requests leased just before it. Each instance holds at most
one lease per (policy, identity), so in any window the requests admitted exceed what
exact mode could admit by at most ``instances x slice`` per policy and identity; and at
most ``instances x slice`` requests can be refused early (held, unspent, by instances
the caller is not reaching). ``slice = max(1, min(burst, floor(limit x fraction)))``.

`LeaseBook` is the in-process side: pure, with its clock passed in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from perfkit.ratelimit.decision import Outcome
from perfkit.ratelimit.policy import Policy

LeaseKey = tuple[str, str]  # (policy name, identity)
MAX_LEASES = 100_000


def lease_slice(policy: Policy, fraction: float) -> int:
    """Requests per lease of ``policy``: a fraction of its limit, within [1, burst]."""
    return max(1, min(policy.effective_burst, math.floor(policy.limit * fraction)))


@dataclass(slots=True)
class Lease:
    """Requests leased for one (policy, identity), spendable until ``expires``."""

    tokens: int
    expires: float
    remaining: int  # the caller's quota left in Redis after the lease (for headers)
    reset_ms: int


@dataclass
class LeaseCounters:
    leases: int = 0  # lease calls that granted something
    leased: int = 0  # requests granted
    returned: int = 0  # requests given back unused
    refused: int = 0  # lease calls that granted nothing (the caller is over the limit)
    local: int = 0  # requests admitted from a lease, without a round trip


class LeaseBook:
    """The leases this instance holds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.counters = LeaseCounters()
        self._leases: dict[LeaseKey, Lease] = {}

    def spend(self, policies: tuple[Policy, ...], identity: str) -> tuple[Outcome, ...] | None:
        """One request from the leases of every policy, or None (nothing spent) when a
        policy has no live lease with a request left."""
        now = self.clock()
        find = self._leases.get
        if len(policies) == 1:  # the common case, without the lists
            policy = policies[0]
            lease = find((policy.name, identity))
            if lease is None or lease.tokens < 1 or lease.expires <= now:
                return None
            lease.tokens -= 1
            self.counters.local += 1
            return (Outcome(policy, True, lease.remaining + lease.tokens, lease.reset_ms, 0),)
        leases = []
        for policy in policies:
            lease = find((policy.name, identity))
            if lease is None or lease.tokens < 1 or lease.expires <= now:
                return None
            leases.append(lease)
        outcomes = []
        for policy, lease in zip(policies, leases, strict=True):
            lease.tokens -= 1
            outcomes.append(Outcome(policy, True, lease.remaining + lease.tokens,
                                    lease.reset_ms, 0))  # fmt: skip
        self.counters.local += 1
        return tuple(outcomes)

    def needs(self, policy: Policy, identity: str) -> bool:
        lease = self._leases.get((policy.name, identity))
        return lease is None or lease.tokens < 1 or lease.expires <= self.clock()

    def take_unused(self, policy: Policy, identity: str) -> int:
        """Remove the key's lease; the requests it had left (to give back)."""
        lease = self._leases.pop((policy.name, identity), None)
        return lease.tokens if lease is not None else 0

    def add(self, policy: Policy, identity: str, reply: list[int], returned: int) -> None:
        """Record a lease reply ``[granted, remaining, reset ms, retry ms]``."""
        granted = reply[0]
        self.counters.returned += returned
        if granted <= 0:
            self.counters.refused += 1
            return
        self.counters.leases += 1
        self.counters.leased += granted
        if len(self._leases) >= MAX_LEASES:  # bounded memory: expired leases go first
            now = self.clock()
            for key in [k for k, lease in self._leases.items() if lease.expires <= now]:
                del self._leases[key]
            while len(self._leases) >= MAX_LEASES:
                del self._leases[next(iter(self._leases))]
        self._leases[(policy.name, identity)] = Lease(
            granted, self.clock() + self.ttl, reply[1], reply[2]
        )

    def drain(self) -> list[tuple[LeaseKey, int]]:
        """Every lease with requests left, removed (to give back on close)."""
        held = [(key, lease.tokens) for key, lease in self._leases.items() if lease.tokens]
        self._leases.clear()
        return held

    def __len__(self) -> int:
        return len(self._leases)

    def held(self) -> int:
        return sum(lease.tokens for lease in self._leases.values())
