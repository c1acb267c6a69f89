"""What a limiter answers: per-policy outcomes, the overall verdict, and its backend.

Both are named tuples rather than frozen dataclasses: as immutable, and several are made
per request, where a frozen dataclass' ``__init__`` (one ``object.__setattr__`` per
field) cost about five times as much.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from perfkit.ratelimit.policy import Policy

HeaderStyle = Literal["draft-6", "draft-8", "none"]
"""Which RateLimit response headers: ``draft-6`` (the default) RateLimit-Limit,
RateLimit-Remaining, RateLimit-Reset and RateLimit-Policy (``30;w=60``), the set most
clients read; ``draft-8`` the two structured fields of the IETF draft since its
version 08, ``RateLimit: "chat";r=29;t=60`` and ``RateLimit-Policy: "chat";q=30;w=60``
(half the fields for the server to encode per response); ``none``. The middleware sends
Retry-After on every 429 whatever the style."""
HEADER_STYLES: tuple[HeaderStyle, ...] = ("draft-6", "draft-8", "none")
RATE_LIMIT_HEADERS = frozenset(
    (b"ratelimit", b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset",
     b"ratelimit-policy")
)  # fmt: skip
"""The RateLimit fields `Decision.headers` sends in any style (lower case, as ASGI carries
them); on a refusal it sends ``retry-after`` as well."""

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

    def headers(self, style: HeaderStyle = "draft-6") -> list[tuple[bytes, bytes]]:
        """One set of RateLimit headers for the binding policy, in ``style``."""
        binding = self.binding
        if binding is None or style == "none":
            return []
        policy = binding.policy
        remaining = binding.remaining
        remaining = remaining if remaining > 0 else 0
        reset_s = -(-binding.reset_ms // 1000)
        reset_s = reset_s if reset_s > 0 else 0
        if style == "draft-8":
            headers = [
                (b"ratelimit", b"%s;r=%d;t=%d" % (policy.structured_name, remaining, reset_s)),
                policy.structured_policy_header,
            ]
        else:
            headers = [
                policy.limit_header,
                (b"ratelimit-remaining", b"%d" % remaining),
                (b"ratelimit-reset", b"%d" % reset_s),
                policy.policy_header,
            ]
        if not self.allowed:
            headers.append((b"retry-after", b"%d" % self.retry_after))
        return headers


def combine(first: Decision, more: list[Decision]) -> Decision:
    """One decision over the policies of several (the middleware's and a request's route
    limits): refused if any refused; its binding outcome is the most restrictive of all."""
    outcomes = first.outcomes + tuple(o for d in more for o in d.outcomes)
    allowed = first.allowed and all(d.allowed for d in more)
    return Decision(allowed, first.identity, first.backend, outcomes)
