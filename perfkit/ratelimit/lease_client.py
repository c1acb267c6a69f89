"""Lease mode's Redis side: lease calls (one in flight per key, shared by the requests
waiting on it), give-backs on close, and the ``lease`` block of the stats document.

`AsyncRateLimiter` spends leases through `LeaseBook.spend` on its fast path and calls
`LeaseClient.decide` only when a policy has no live lease; the idea and the bound are in
`perfkit.ratelimit.lease`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

from perfkit.connection import AsyncClient
from perfkit.errors import RedisUnavailable
from perfkit.ratelimit.core import Call, LimiterCore
from perfkit.ratelimit.decision import Decision, Outcome
from perfkit.ratelimit.lease import LeaseBook, LeaseKey, lease_slice
from perfkit.ratelimit.policy import Policy
from perfkit.ratelimit.scripts import AsyncScriptRunner, Script, lease_source

ATTEMPTS = 3


class LeaseClient:
    def __init__(
        self, core: LimiterCore, client: AsyncClient, clock: Callable[[], float] = time.monotonic
    ) -> None:
        config = core.config
        self.core = core
        self.book = LeaseBook(config.lease_ttl, clock)
        self.runner = AsyncScriptRunner(client, Script(lease_source()),
                                        pipelining=config.pipelining)  # fmt: skip
        self._renewing: dict[LeaseKey, asyncio.Task[list[int]]] = {}

    async def decide(self, call: Call) -> Decision | None:
        """Lease what ``call`` lacks, then spend. None when concurrent requests kept
        spending the fresh leases first (the caller then decides exactly). Raises
        `RedisUnavailable`."""
        core, book = self.core, self.book
        for _ in range(ATTEMPTS):
            refused = await self._renew(call)
            if refused:
                return core.finish(Decision(False, call.identity, "redis", tuple(refused)))
            outcomes = book.spend(call.policies, call.identity)
            if outcomes is not None:
                return core.finish(Decision(True, call.identity, "lease", outcomes))
        return None

    async def _renew(self, call: Call) -> list[Outcome]:
        """Lease every policy of ``call`` that has no live lease; the refusals."""
        refused = []
        for policy, key in zip(call.policies, call.keys, strict=True):
            if not self.book.needs(policy, call.identity):
                continue
            lease_key = (policy.name, call.identity)
            pending = self._renewing.get(lease_key)
            if pending is None:
                pending = asyncio.get_running_loop().create_task(
                    self._lease(policy, key, call.identity)
                )
                self._renewing[lease_key] = pending
                pending.add_done_callback(functools.partial(self._forget, lease_key))
            reply = await asyncio.shield(pending)
            # a shadow policy never refuses: without a lease, the exact path decides it
            if reply[0] <= 0 and not policy.shadow:
                refused.append(Outcome(policy, False, 0, reply[2], reply[3]))
        return refused

    def _forget(self, lease_key: LeaseKey, task: asyncio.Task[list[int]]) -> None:
        self._renewing.pop(lease_key, None)

    async def _lease(self, policy: Policy, key: str, identity: str) -> list[int]:
        back = self.book.take_unused(policy, identity)  # an expired lease's leftovers
        want = lease_slice(policy, self.core.config.lease_fraction)
        reply = await self.runner.run([key], _argv(policy, want, back))
        self.book.add(policy, identity, reply, back)
        return reply

    async def aclose(self) -> None:
        """Give back every unspent leased request (best effort), then stop."""
        core = self.core
        for (name, identity), tokens in self.book.drain():
            policy = next((p for p in core.config.policies if p.name == name), None)
            if policy is None or not core.try_redis():
                continue
            try:
                await self.runner.run([core.key(policy, identity)], _argv(policy, 0, tokens))
            except RedisUnavailable:
                break
            self.book.counters.returned += tokens
        await self.runner.aclose()

    def stats(self) -> dict[str, Any]:
        """The ``lease`` block of ``/api/rate-limit/stats``: the configuration, the
        worst case per policy for N = ``fallback_instances`` instances, and counters."""
        config = self.core.config
        n = config.fallback_instances
        counters, book = self.book.counters, self.book
        slices = {p.name: lease_slice(p, config.lease_fraction) for p in config.policies}
        return {
            "ttl_seconds": config.lease_ttl,
            "fraction": config.lease_fraction,
            "instances": n,
            "policies": {
                name: {
                    "slice": size,
                    "worst_case_over_admission": n * size,
                    "worst_case_early_refusals": n * size,
                }
                for name, size in slices.items()
            },
            "leases": counters.leases,
            "leased": counters.leased,
            "returned": counters.returned,
            "refused_leases": counters.refused,
            "local_decisions": counters.local,
            "live_leases": len(book),
            "held": book.held(),
        }


def _argv(policy: Policy, want: int, back: int) -> tuple[str | int, ...]:
    """The lease script's ARGV: now (server TIME), limit, window us, burst, want, back."""
    window_us = round(policy.window * 1e6)
    return ("", policy.limit, window_us, policy.effective_burst, want, back)
