"""Rate limit policies: what is limited, how much, by which algorithm, on which routes.

There are no default policies: a service names its own (in code, from a rate string with
`perfkit.ratelimit.rates.parse`, or from TOML with `perfkit.ratelimit.config_file`). A
request is subject to every policy whose route prefix matches its path (``/api/chat`` ->
``/``, ``/api`` and ``/api/chat`` policies) and is refused when any of them refuses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from perfkit.errors import ConfigError

Algorithm = Literal["gcra", "sliding_window", "fixed_window"]
ALGORITHMS: tuple[Algorithm, ...] = ("gcra", "sliding_window", "fixed_window")
DEFAULT_ALGORITHM: Algorithm = "gcra"
DEFAULT_MESSAGE = "Too many requests, please try again later."
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Policy:
    """One named limit: ``limit`` requests per ``window`` seconds for each identity.

    ``prefixes``: the route prefixes it applies to ("/" = every route). ``burst``: GCRA
    only, how many requests may arrive at once (default ``limit``, so a fresh caller can
    spend a whole window's quota, as with the window algorithms). ``shadow``: count what
    it would refuse but refuse nothing (dark launch). ``count_refused``: refused requests
    use quota too (punishes callers that keep hammering; off by default).
    """

    name: str
    limit: int
    window: float
    algorithm: Algorithm = DEFAULT_ALGORITHM
    prefixes: tuple[str, ...] = ("/",)
    message: str = DEFAULT_MESSAGE
    key_prefix: str = ""
    burst: int | None = None
    shadow: bool = False
    count_refused: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"rate limit name {self.name!r} must be 1-40 of [A-Za-z0-9_-]")
        if self.limit < 1:
            raise ConfigError(f"rate limit {self.name!r}: limit must be >= 1, got {self.limit}")
        if not self.window >= 0.001:  # also refuses NaN
            raise ConfigError(f"rate limit {self.name!r}: window must be >= 0.001 s")
        if self.algorithm not in ALGORITHMS:
            raise ConfigError(
                f"rate limit {self.name!r}: unknown algorithm {self.algorithm!r} "
                f"(use one of {', '.join(ALGORITHMS)})"
            )
        if self.burst is not None and self.burst < 1:
            raise ConfigError(f"rate limit {self.name!r}: burst must be >= 1")
        for prefix in self.prefixes:
            if not prefix.startswith("/"):
                raise ConfigError(f"rate limit {self.name!r}: prefix {prefix!r} must start with /")
        if self.key_prefix and not _NAME.match(self.key_prefix):
            raise ConfigError(
                f"rate limit {self.name!r}: key_prefix {self.key_prefix!r} must be 1-40 "
                "of [A-Za-z0-9_-]"
            )

    @property
    def key_name(self) -> str:
        """The key segment for this policy's counters."""
        return self.key_prefix or self.name

    @cached_property
    def limit_header(self) -> tuple[bytes, bytes]:
        """``RateLimit-Limit``, made once (the same on every response)."""
        return (b"ratelimit-limit", b"%d" % self.limit)

    @cached_property
    def policy_header(self) -> tuple[bytes, bytes]:
        """``RateLimit-Policy: 30;w=60``, made once."""
        return (b"ratelimit-policy", b"%d;w=%d" % (self.limit, max(1, math.ceil(self.window))))

    @cached_property
    def structured_name(self) -> bytes:
        """The policy's name as a structured-field string (``"chat"``): names are
        ``[A-Za-z0-9_-]``, so nothing needs escaping."""
        return b'"%s"' % self.name.encode("ascii")

    @cached_property
    def structured_policy_header(self) -> tuple[bytes, bytes]:
        """``RateLimit-Policy: "chat";q=30;w=60`` (IETF draft 08 and later), made once."""
        window = max(1, math.ceil(self.window))
        return (b"ratelimit-policy", b"%s;q=%d;w=%d" % (self.structured_name, self.limit, window))

    @property
    def effective_burst(self) -> int:
        return self.burst if self.burst is not None else self.limit

    def applies_to(self, path: str) -> bool:
        return any(_matches(prefix, path) for prefix in self.prefixes)

    def describe(self) -> dict[str, object]:
        """The policy as JSON-able configuration (for the stats endpoint)."""
        return {
            "name": self.name,
            "limit": self.limit,
            "window_seconds": self.window,
            "algorithm": self.algorithm,
            "prefixes": list(self.prefixes),
            "burst": self.effective_burst if self.algorithm == "gcra" else None,
            "shadow": self.shadow,
            "count_refused": self.count_refused,
            "message": self.message,
        }


def _matches(prefix: str, path: str) -> bool:
    """``/api`` matches ``/api`` and ``/api/x`` but not ``/apix``."""
    if prefix == "/":
        return True
    base = prefix.rstrip("/")
    return path == base or path.startswith(base + "/")


class PolicySet:
    """The policies of a limiter, with a per-path lookup (cached for the first paths)."""

    _CACHE_SIZE = 1024

    def __init__(self, policies: Iterable[Policy]) -> None:
        self.policies = tuple(policies)
        names = [p.name for p in self.policies]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"rate limit names must be unique: {', '.join(duplicates)}")
        self._by_name = {p.name: p for p in self.policies}
        self._cache: dict[str, tuple[Policy, ...]] = {}

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def get(self, name: str) -> Policy:
        try:
            return self._by_name[name]
        except KeyError:
            raise ConfigError(f"no rate limit named {name!r}") from None

    def for_path(self, path: str) -> tuple[Policy, ...]:
        """Every policy that applies to ``path``."""
        found = self._cache.get(path)
        if found is None:
            found = tuple(p for p in self.policies if p.applies_to(path))
            if len(self._cache) < self._CACHE_SIZE:
                self._cache[path] = found
        return found

    def with_shadow(self) -> PolicySet:
        """Every policy in shadow mode (``PERFKIT_RATELIMIT_SHADOW=true``)."""
        return PolicySet(replace(p, shadow=True) for p in self.policies)

    def with_algorithm(self, algorithm: Algorithm) -> PolicySet:
        return PolicySet(replace(p, algorithm=algorithm) for p in self.policies)
