"""What a limiter answers: per-policy outcomes, the overall verdict, and its backend.

Both are named tuples rather than frozen dataclasses: as immutable, and several are made
per request, where a frozen dataclass' ``__init__`` (one ``object.__setattr__`` per
field) cost about five times as much.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from perfkit.ratelimit.policy import Policy

Backend = Literal["redis", "lease", "memory", "local", "fail_open", "fail_closed", "none"]
"""Who decided: Redis; a lease of quota from Redis (lease mode); the in-process fallback;
the local over-limit cache; the fail-open / fail-closed rule during an outage; or nobody
(no policy applies)."""


class Outcome(NamedTuple):
    """One policy's answer to one request."""

    policy: Policy
    allowed: bool
    remaining: int
    reset_ms: int
    retry_ms: int

    @property
    def used_ratio(self) -> float:
        return (self.policy.limit - self.remaining) / self.policy.limit


class Decision(NamedTuple):
    """The verdict over every policy that applied; ``outcomes`` keep the policies' order."""

    allowed: bool
    identity: str
    backend: Backend
    outcomes: tuple[Outcome, ...]

    @property
    def binding(self) -> Outcome | None:
        """The most restrictive enforced outcome, the one whose headers are sent: when
        refused, the refusal with the longest wait; else the least remaining quota."""
        outcomes = self.outcomes
        if len(outcomes) == 1:  # the common case: no comparisons
            only = outcomes[0]
            return None if only.policy.shadow else only
        refused: Outcome | None = None
        least: Outcome | None = None
        for o in outcomes:  # one pass, no lists: this runs for every response
            if o.policy.shadow:
                continue
            if not o.allowed:
                if refused is None or o.retry_ms > refused.retry_ms:
                    refused = o
            elif least is None or (o.remaining, o.reset_ms) < (least.remaining, least.reset_ms):
                least = o
        return refused if refused is not None else least

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait before retrying (0 when allowed)."""
        binding = self.binding
        if self.allowed or binding is None:
            return 0
        return max(1, math.ceil(binding.retry_ms / 1000))

    @property
    def message(self) -> str:
        binding = self.binding
        return binding.policy.message if binding is not None else ""

    def headers(self) -> list[tuple[bytes, bytes]]:
        """One set of IETF draft RateLimit headers for the binding policy."""
        binding = self.binding
        if binding is None:
            return []
        policy = binding.policy
        remaining = binding.remaining
        reset_s = -(-binding.reset_ms // 1000)
        headers = [
            policy.limit_header,
            (b"ratelimit-remaining", b"%d" % remaining if remaining > 0 else b"0"),
            (b"ratelimit-reset", b"%d" % reset_s if reset_s > 0 else b"0"),
            policy.policy_header,
        ]
        if not self.allowed:
            headers.append((b"retry-after", b"%d" % self.retry_after))
        return headers
