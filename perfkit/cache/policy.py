"""Cache settings as one value object: TTL per namespace, jitter, freshness, limits.

There are no namespaces of the library's own: a service gives its namespaces' TTLs
(``ttls``, or ``PERFKIT_CACHE_TTL_<NAMESPACE>``), and any other namespace lives
``default_ttl`` (``REDIS_DEFAULT_TTL``) unless a call passes its own ``ttl``. Every field
can be set from the environment (`from_settings`) and every one is validated there, so a
bad value stops start-up with its name.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from perfkit.config import Settings
from perfkit.connection import check_namespace
from perfkit.errors import ConfigError


@dataclass(frozen=True)
class CachePolicy:
    """How long values live and how the cache protects itself.

    ``ttl_jitter`` shortens each TTL by a random fraction up to this value, so keys
    written together do not expire together. ``stale_ttl`` (seconds) keeps a value in
    Redis that long after its soft expiry: such a value is served at once while one
    background load replaces it (stale-while-revalidate). ``xfetch_beta`` > 0 turns on
    probabilistic early refresh (1.0 is the paper's neutral value; 0 turns it off).
    """

    default_ttl: int = 3600
    ttls: Mapping[str, int] = field(default_factory=dict)
    ttl_jitter: float = 0.0
    stale_ttl: float = 0.0
    xfetch_beta: float = 1.0
    max_value_bytes: int = 1024 * 1024
    lock: bool = False
    lock_ttl: float = 5.0
    lock_wait: float = 5.0
    fallback_max_entries: int = 10_000
    fallback_max_bytes: int = 64 * 1024 * 1024
    breaker_failures: int = 1
    breaker_cooldown: float = 1.0

    def __post_init__(self) -> None:
        if self.default_ttl <= 0 or any(t <= 0 for t in self.ttls.values()):
            raise ConfigError("cache TTLs must be > 0 seconds")
        for namespace in self.ttls:
            check_namespace(namespace)
        if not 0.0 <= self.ttl_jitter < 1.0:
            raise ConfigError(f"ttl_jitter={self.ttl_jitter} must be in [0, 1)")
        if self.stale_ttl < 0 or self.xfetch_beta < 0 or self.lock_ttl <= 0:
            raise ConfigError("stale_ttl and xfetch_beta must be >= 0, lock_ttl > 0")
        if self.max_value_bytes <= 0 or self.fallback_max_entries <= 0:
            raise ConfigError("max_value_bytes and fallback_max_entries must be > 0")

    def ttl(self, namespace: str) -> int:
        """The configured TTL of ``namespace`` in seconds (before jitter)."""
        return self.ttls.get(namespace, self.default_ttl)

    def lifetimes(
        self, namespace: str, ttl: float | None = None, rand: float | None = None
    ) -> tuple[float, float]:
        """(soft, hard) lifetimes in seconds of a value written now.

        ``soft`` is when the value is due for a reload (jitter applied); ``hard`` is the
        Redis TTL, ``stale_ttl`` later. ``rand`` in [0, 1) is drawn when not given.
        """
        base = self.ttl(namespace) if ttl is None else ttl
        if base <= 0:
            raise ConfigError(f"TTL {base} of namespace {namespace!r} must be > 0")
        if self.ttl_jitter:
            base *= 1.0 - self.ttl_jitter * (random.random() if rand is None else rand)
        return base, base + self.stale_ttl

    @classmethod
    def from_settings(
        cls, settings: Settings, ttls: Mapping[str, int] = MappingProxyType({})
    ) -> CachePolicy:
        """Read ``REDIS_DEFAULT_TTL`` and the ``PERFKIT_CACHE_*`` variables
        (docs/reference/configuration.md); ``ttls`` are the service's namespaces, each
        overridden by its variable."""
        ttls = dict(ttls)
        for name in settings.extra:
            if name.startswith("PERFKIT_CACHE_TTL_") and name != "PERFKIT_CACHE_TTL_JITTER":
                namespace = name.removeprefix("PERFKIT_CACHE_TTL_").lower()
                ttls[namespace] = settings.env_int(name, 1, minimum=1)
        jitter = settings.env_float("PERFKIT_CACHE_TTL_JITTER", 0.05)
        if jitter >= 1.0:
            raise ConfigError(f"PERFKIT_CACHE_TTL_JITTER={jitter!r} must be below 1")
        return cls(
            default_ttl=settings.redis_default_ttl,
            ttls=ttls,
            ttl_jitter=jitter,
            stale_ttl=settings.env_float("PERFKIT_CACHE_STALE_TTL", 0.0),
            xfetch_beta=settings.env_float("PERFKIT_CACHE_XFETCH_BETA", 1.0),
            max_value_bytes=settings.env_int("PERFKIT_CACHE_MAX_VALUE_BYTES", 1 << 20, 1),
            lock=settings.env_bool("PERFKIT_CACHE_LOCK", False),
            lock_ttl=settings.env_float("PERFKIT_CACHE_LOCK_TTL", 5.0, minimum=0.01),
            lock_wait=settings.env_float("PERFKIT_CACHE_LOCK_WAIT", 5.0),
            fallback_max_entries=settings.env_int("PERFKIT_CACHE_FALLBACK_MAX_ENTRIES", 10_000, 1),
            fallback_max_bytes=settings.env_int("PERFKIT_CACHE_FALLBACK_MAX_BYTES", 64 << 20, 1),
            breaker_cooldown=settings.env_float("PERFKIT_CACHE_BREAKER_COOLDOWN", 1.0),
        )
