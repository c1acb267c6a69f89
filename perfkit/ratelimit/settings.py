"""The limiter's configuration, read once from `Settings` (``PERFKIT_RATELIMIT_*``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from perfkit.config import Settings
from perfkit.errors import ConfigError
from perfkit.ratelimit.config_file import load_policies
from perfkit.ratelimit.decision import HEADER_STYLES, HeaderStyle
from perfkit.ratelimit.policy import ALGORITHMS, Policy, PolicySet

OnRedisError = Literal["fallback", "open", "closed"]
_ON_ERROR: tuple[OnRedisError, ...] = ("fallback", "open", "closed")
Mode = Literal["exact", "lease"]
_MODES: tuple[Mode, ...] = ("exact", "lease")
DEFAULT_EXEMPT = ("/health", "/ready", "/api/health", "/metrics")


@dataclass(frozen=True)
class LimiterConfig:
    """How a limiter behaves. Built with `from_settings`, or directly in code.

    ``on_redis_error``: ``fallback`` (in-process limiter with the same algorithms),
    ``open`` (admit everything) or ``closed`` (refuse everything) while Redis is down.
    ``fallback_instances``: the fallback's limits are divided by this (N instances each
    admitting limit/N keep the fleet near the limit during an outage).
    ``retry_interval``: seconds between background PINGs while Redis is down.
    ``local_cache``: refuse in-process while an identity is known to be over a limit.
    ``mode``: ``exact`` (every decision in Redis, the default) or ``lease`` (asyncio only,
    GCRA policies: see `perfkit.ratelimit.lease`; ``lease_fraction`` of a policy's limit
    per lease, spendable for ``lease_ttl`` seconds). ``fallback_instances`` is also the
    instance count in lease mode's worst-case figures. ``headers``: the RateLimit
    response headers' style (see `perfkit.ratelimit.decision.HeaderStyle`).

    ``policies`` is empty unless given: the middleware then limits nothing, and routes
    are limited one by one with ``limiter.limit("30/minute")`` (`perfkit.ratelimit.routes`).
    """

    policies: PolicySet = field(default_factory=lambda: PolicySet(()))
    on_redis_error: OnRedisError = "fallback"
    fallback_instances: int = 1
    retry_interval: float = 0.5
    local_cache: bool = True
    pipelining: bool = True
    trusted_proxies: tuple[str, ...] = ()
    ipv6_prefix: int = 64
    hash_identities: bool = False
    exempt_paths: tuple[str, ...] = DEFAULT_EXEMPT
    enabled: bool = True
    mode: Mode = "exact"
    lease_fraction: float = 0.01
    lease_ttl: float = 1.0
    headers: HeaderStyle = "draft-6"

    def __post_init__(self) -> None:
        if self.on_redis_error not in _ON_ERROR:
            raise ConfigError(
                f"on_redis_error {self.on_redis_error!r} must be one of {', '.join(_ON_ERROR)}"
            )
        if self.fallback_instances < 1:
            raise ConfigError("fallback_instances must be >= 1")
        if self.mode not in _MODES:
            raise ConfigError(f"rate limit mode {self.mode!r} must be one of {', '.join(_MODES)}")
        if self.headers not in HEADER_STYLES:
            raise ConfigError(
                f"rate limit headers {self.headers!r} must be one of {', '.join(HEADER_STYLES)}"
            )
        if not 0 < self.lease_fraction <= 1 or not self.lease_ttl > 0:
            raise ConfigError("lease_fraction must be in (0, 1] and lease_ttl > 0")
        if self.mode == "lease":
            other = [p.name for p in self.policies if p.algorithm != "gcra" or p.count_refused]
            if other:
                raise ConfigError(
                    "lease mode needs GCRA policies without count_refused; not: " + ", ".join(other)
                )

    @classmethod
    def from_settings(cls, settings: Settings, policies: Iterable[Policy] = ()) -> LimiterConfig:
        """The configuration from ``PERFKIT_RATELIMIT_*``; ``policies`` are the service's
        own, replaced by ``PERFKIT_RATELIMIT_POLICIES`` (a TOML file) when that is set and
        given ``PERFKIT_RATELIMIT_ALGORITHM`` when that is."""
        algorithm = settings.env_text("PERFKIT_RATELIMIT_ALGORITHM", "")
        if algorithm and algorithm not in ALGORITHMS:
            raise ConfigError(
                f"PERFKIT_RATELIMIT_ALGORITHM={algorithm!r} must be one of {', '.join(ALGORITHMS)}"
            )
        path = settings.env_text("PERFKIT_RATELIMIT_POLICIES", "")
        chosen = PolicySet(load_policies(path) if path else policies)
        if algorithm and not path:
            chosen = chosen.with_algorithm(algorithm)
        policies = chosen
        if settings.env_bool("PERFKIT_RATELIMIT_SHADOW", False):
            policies = policies.with_shadow()
        on_error = settings.env_text("PERFKIT_RATELIMIT_ON_REDIS_ERROR", "fallback")
        if on_error not in _ON_ERROR:
            raise ConfigError(
                f"PERFKIT_RATELIMIT_ON_REDIS_ERROR={on_error!r} must be one of "
                f"{', '.join(_ON_ERROR)}"
            )
        mode = settings.env_text("PERFKIT_RATELIMIT_MODE", "exact")
        if mode not in _MODES:
            raise ConfigError(f"PERFKIT_RATELIMIT_MODE={mode!r} must be one of {', '.join(_MODES)}")
        headers = settings.env_text("PERFKIT_RATELIMIT_HEADERS", "draft-6")
        if headers not in HEADER_STYLES:
            raise ConfigError(
                f"PERFKIT_RATELIMIT_HEADERS={headers!r} must be one of {', '.join(HEADER_STYLES)}"
            )
        return cls(
            mode=mode,
            headers=headers,
            lease_fraction=settings.env_float("PERFKIT_RATELIMIT_LEASE_FRACTION", 0.01, 1e-9),
            lease_ttl=settings.env_float("PERFKIT_RATELIMIT_LEASE_TTL", 1.0, 0.001),
            policies=policies,
            on_redis_error=on_error,
            fallback_instances=settings.env_int("PERFKIT_RATELIMIT_FALLBACK_INSTANCES", 1, 1),
            retry_interval=settings.env_float("PERFKIT_RATELIMIT_RETRY_INTERVAL", 0.5, 0.01),
            local_cache=settings.env_bool("PERFKIT_RATELIMIT_LOCAL_CACHE", True),
            pipelining=settings.env_bool("PERFKIT_RATELIMIT_PIPELINING", True),
            trusted_proxies=_csv(settings.env_text("PERFKIT_RATELIMIT_TRUSTED_PROXIES", "")),
            ipv6_prefix=settings.env_int("PERFKIT_RATELIMIT_IPV6_PREFIX", 64, 1),
            hash_identities=settings.env_bool("PERFKIT_RATELIMIT_HASH_IDENTITIES", False),
            exempt_paths=_csv(
                settings.env_text("PERFKIT_RATELIMIT_EXEMPT_PATHS", ",".join(DEFAULT_EXEMPT))
            ),
            enabled=settings.env_bool("PERFKIT_RATELIMIT_ENABLED", True),
        )

    def describe(self) -> dict[str, object]:
        """JSON-able configuration for the stats endpoint."""
        return {
            "enabled": self.enabled,
            "mode": self.mode,
            "lease_fraction": self.lease_fraction,
            "lease_ttl_seconds": self.lease_ttl,
            "headers": self.headers,
            "policies": [p.describe() for p in self.policies],
            "on_redis_error": self.on_redis_error,
            "fallback_instances": self.fallback_instances,
            "retry_interval_seconds": self.retry_interval,
            "local_cache": self.local_cache,
            "pipelining": self.pipelining,
            "trusted_proxies": list(self.trusted_proxies),
            "ipv6_prefix": self.ipv6_prefix,
            "hash_identities": self.hash_identities,
            "exempt_paths": list(self.exempt_paths),
        }


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
