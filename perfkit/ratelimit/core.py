"""The limiter's logic shared by the sync and asyncio shells (which only do the I/O).

For each request: pick the policies, answer from the local over-limit cache when the
identity is known to be over a limit, else build the script call; turn Redis' reply (or
the fallback's, while Redis is down) into a `Decision`; feed stats and the local cache.
The circuit breaker decides whether Redis is tried; the shells run a background PING
while it is open and close it as soon as Redis answers.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from perfkit.breaker import CircuitBreaker
from perfkit.connection import Keyspace
from perfkit.ratelimit.algorithms import MemoryStore, Spec, decide
from perfkit.ratelimit.decision import Decision, Outcome
from perfkit.ratelimit.local_cache import OverLimitCache
from perfkit.ratelimit.policy import Policy
from perfkit.ratelimit.settings import LimiterConfig
from perfkit.ratelimit.stats import LimiterStats

NAMESPACE = "rl"
CALL_MEMO_SIZE = 8192


class Call(NamedTuple):
    """A decision to be made by a backend: the policies, their keys and the script ARGV."""

    identity: str
    policies: tuple[Policy, ...]
    keys: list[str]
    argv: tuple[str | int, ...]


class _Compiled(NamedTuple):
    """What a tuple of policies needs per request, computed once: the script ARGV, the
    key bases (a key is ``base:{identity}``) and the fallback's specs."""

    policies: tuple[Policy, ...]
    argv: tuple[str | int, ...]
    bases: tuple[str, ...]
    fallback: list[Spec]


class LimiterCore:
    """Pure-ish decision logic; ``clock`` (monotonic s) and ``wall_clock`` (epoch s,
    the fallback's time) are arguments so tests control them. ``threaded``: called from
    several threads (the sync limiter), not only from one event loop."""

    def __init__(
        self,
        config: LimiterConfig,
        keyspace: Keyspace,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        threaded: bool = True,
    ) -> None:
        self.config = config
        self.keyspace = keyspace
        self.wall_clock = wall_clock
        self.stats = LimiterStats(threaded=threaded)
        self.over_limit = OverLimitCache(clock=clock)
        self.fallback_store = MemoryStore()
        self.breaker = CircuitBreaker(failure_threshold=1, cooldown=config.retry_interval,
                                      clock=clock)  # fmt: skip
        self._lock = threading.Lock()  # breaker and fallback store, for threaded callers
        self._compiled_cache: dict[int, _Compiled] = {}
        self._key_base: dict[tuple[str, str], str] = {}
        self._calls: dict[tuple[int, str], Call] = {}

    # -- building a call -------------------------------------------------------------

    def prepare(
        self, identity: str, path: str, policies: Sequence[Policy] | None = None
    ) -> Call | Decision:
        """A `Call` for a backend, or a `Decision` made without one (no policy applies,
        or the identity is in the local over-limit cache)."""
        chosen = self.select(identity, path, policies)
        if isinstance(chosen, Decision):
            return chosen
        return self.call(identity, chosen)

    def select(
        self, identity: str, path: str, policies: Sequence[Policy] | None = None
    ) -> tuple[Policy, ...] | Decision:
        """The policies that apply, or a `Decision` made without a backend."""
        chosen = self.config.policies.for_path(path) if policies is None else tuple(policies)
        if not chosen:
            return Decision(True, identity, "none", ())
        if self.config.local_cache and self.over_limit.until:
            local = self._local_refusal(identity, chosen)
            if local is not None:
                return self.finish(local)
        return chosen

    def call(self, identity: str, chosen: tuple[Policy, ...]) -> Call:
        """The backend call deciding ``chosen`` for ``identity``: the same `Call` object
        as last time for a known (policies, identity) pair (a bounded memo), so its keys
        and packed command are built once per caller, not once per request."""
        memo_key = (id(chosen), identity)
        known = self._calls.get(memo_key)
        if known is not None and known.policies is chosen:
            return known
        compiled = self._compiled(chosen)
        tag = f":{{{identity}}}"
        call = Call(identity, chosen, [base + tag for base in compiled.bases], compiled.argv)
        if len(self._calls) >= CALL_MEMO_SIZE:
            self._calls.clear()
        self._calls[memo_key] = call
        return call

    def key(self, policy: Policy, identity: str) -> str:
        """The Redis key of ``policy`` for ``identity``."""
        return f"{self._base(policy)}:{{{identity}}}"

    def _base(self, policy: Policy) -> str:
        base = self._key_base.get((policy.key_name, policy.algorithm))
        if base is None:
            # the algorithm is part of the key: switching it never meets the old one's data
            code = Spec.of(policy).code
            base = self.keyspace.key(NAMESPACE, policy.key_name, code)
            self._key_base[(policy.key_name, policy.algorithm)] = base
        return base

    def _compiled(self, policies: tuple[Policy, ...]) -> _Compiled:
        """The per-request pieces for a tuple of policies, cached by its identity."""
        cached = self._compiled_cache.get(id(policies))
        if cached is not None and cached.policies is policies:
            return cached
        argv: tuple[str | int, ...] = ("",)
        for policy in policies:
            argv += Spec.of(policy).argv()
        n = self.config.fallback_instances
        fallback = [Spec.of(p, max(1, p.limit // n) if n > 1 else None) for p in policies]
        compiled = _Compiled(policies, argv, tuple(self._base(p) for p in policies), fallback)
        if len(self._compiled_cache) < 4096:
            self._compiled_cache[id(policies)] = compiled
        return compiled

    def _local_refusal(self, identity: str, policies: tuple[Policy, ...]) -> Decision | None:
        for policy in policies:
            if policy.shadow or policy.count_refused:
                continue
            left = self.over_limit.blocked_for(policy.name, identity)
            if left > 0:
                wait_ms = math.ceil(left * 1000)
                outcome = Outcome(policy, False, 0, wait_ms, wait_ms)
                return Decision(False, identity, "local", (outcome,))
        return None

    # -- the backends' answers -------------------------------------------------------

    def try_redis(self) -> bool:
        if self.breaker.state == "closed":  # the common case needs no lock
            return True
        with self._lock:
            return self.breaker.allow()

    def redis_ok(self) -> None:
        if self.breaker.state != "closed":
            with self._lock:
                self.breaker.record_success()

    def redis_failed(self) -> None:
        self.stats.record_redis_error()
        with self._lock:
            self.breaker.record_failure()

    def from_reply(self, call: Call, reply: Sequence[int]) -> Decision:
        """``reply``: per policy allowed (1/0), remaining, reset ms, retry ms."""
        policies = call.policies
        if len(policies) == 1:  # the common case, without the loop
            policy = policies[0]
            ok = reply[0] == 1
            outcome = Outcome(policy, ok, reply[1], reply[2], reply[3])
            allowed = ok or policy.shadow
            return self.finish(Decision(allowed, call.identity, "redis", (outcome,)))
        outcomes = []
        allowed = True
        i = 0
        for policy in call.policies:
            ok = reply[i] == 1
            outcomes.append(Outcome(policy, ok, reply[i + 1], reply[i + 2], reply[i + 3]))
            if not ok and not policy.shadow:
                allowed = False
            i += 4
        return self.finish(Decision(allowed, call.identity, "redis", tuple(outcomes)))

    def degraded(self, call: Call) -> Decision:
        """The decision while Redis is unavailable, by ``on_redis_error``."""
        mode = self.config.on_redis_error
        if mode == "open":
            return self.finish(Decision(True, call.identity, "fail_open", ()))
        if mode == "closed":
            wait = math.ceil(self.config.retry_interval * 1000)
            outcomes = tuple(Outcome(p, False, 0, wait, wait) for p in call.policies)
            return self.finish(_verdict(call.identity, "fail_closed", outcomes))
        specs = self._compiled(call.policies).fallback
        with self._lock:
            verdicts = decide(self.fallback_store, call.keys, specs, self.wall_clock() * 1e6)
        outcomes = tuple(
            Outcome(p, v.allowed, v.remaining, v.reset_ms, v.retry_ms)
            for p, v in zip(call.policies, verdicts, strict=True)
        )
        return self.finish(_verdict(call.identity, "memory", outcomes))

    def finish(self, decision: Decision) -> Decision:
        """Record the decision, and remember over-limit identities for the local cache."""
        self.stats.record(decision)
        if not decision.allowed and self.config.local_cache and decision.backend != "local":
            for outcome in decision.outcomes:
                policy = outcome.policy
                if not outcome.allowed and not policy.shadow and not policy.count_refused:
                    self.over_limit.block(policy.name, decision.identity, outcome.retry_ms / 1000)
        return decision

    # -- reporting -------------------------------------------------------------------

    def snapshot(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON-able stats document (see `RateLimiter.stats`)."""
        stats = self.stats
        state = self.breaker.state
        return {
            "backend": "redis" if state == "closed" else _degraded_name(self.config),
            "limiters": stats.counters(),
            "decisions_by_backend": stats.backends(),
            "fallback_decisions": stats.fallback_decisions,
            "redis": {
                "breaker": state,
                "breaker_opened": self.breaker.opened_count,
                "errors": stats.redis_errors,
                **(extra or {}),
            },
            "local_cache_entries": len(self.over_limit),
            "fallback_keys": len(self.fallback_store),
            "top_blocked": stats.top_blocked(),
            "config": self.config.describe(),
        }


def _degraded_name(config: LimiterConfig) -> str:
    return {"fallback": "memory", "open": "fail_open", "closed": "fail_closed"}[
        config.on_redis_error
    ]


def _verdict(identity: str, backend: Any, outcomes: tuple[Outcome, ...]) -> Decision:
    allowed = all(o.allowed or o.policy.shadow for o in outcomes)
    return Decision(allowed, identity, backend, outcomes)
