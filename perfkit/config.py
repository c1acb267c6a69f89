"""Settings read once from the environment.

Every variable perfkit understands is read here, in one place, when `Settings.from_env()`
is called (never at import time). An invalid value raises `ConfigError` naming the
variable and the value, so a service fails at start-up instead of at the first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from perfkit.errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    return env.get(name, default)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be >= {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not value >= minimum:  # also refuses NaN
        raise ConfigError(f"{name}={raw!r} must be a number >= {minimum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")


@dataclass(frozen=True)
class Settings:
    """Configuration values; their meanings: docs/reference/configuration.md."""

    redis_url: str | None = None
    redis_password: str | None = None
    redis_key_prefix: str = "perfkit:"
    redis_default_ttl: int = 3600
    redis_cluster: bool = False
    redis_timeout: float = 0.5
    slow_request_threshold_ms: int = 1000
    very_slow_request_threshold_ms: int = 5000
    critical_request_threshold_ms: int = 10000
    enable_slow_request_logging: bool = True
    mcp_analytics_enabled: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        redis_url = env.get("REDIS_URL") or None
        slow = _int(env, "SLOW_REQUEST_THRESHOLD", 1000, minimum=1)
        very_slow = _int(env, "VERY_SLOW_REQUEST_THRESHOLD", 5000, minimum=1)
        critical = _int(env, "CRITICAL_REQUEST_THRESHOLD", 10000, minimum=1)
        if not slow <= very_slow <= critical:
            raise ConfigError(
                "SLOW_REQUEST_THRESHOLD <= VERY_SLOW_REQUEST_THRESHOLD <= "
                f"CRITICAL_REQUEST_THRESHOLD is required (got {slow}, {very_slow}, {critical})"
            )
        prefix = _text(env, "REDIS_KEY_PREFIX", "perfkit:")
        if any(ch in prefix for ch in "*?[]{}") or any(ch.isspace() for ch in prefix):
            raise ConfigError(
                f"REDIS_KEY_PREFIX={prefix!r} must not contain glob characters, braces or spaces"
            )
        return cls(
            redis_url=redis_url,
            redis_password=env.get("REDIS_PASSWORD") or None,
            redis_key_prefix=prefix,
            redis_default_ttl=_int(env, "REDIS_DEFAULT_TTL", 3600, minimum=1),
            redis_cluster=_bool(env, "PERFKIT_REDIS_CLUSTER", False),
            redis_timeout=_float(env, "PERFKIT_REDIS_TIMEOUT", 0.5, minimum=0.01),
            slow_request_threshold_ms=slow,
            very_slow_request_threshold_ms=very_slow,
            critical_request_threshold_ms=critical,
            enable_slow_request_logging=_bool(env, "ENABLE_SLOW_REQUEST_LOGGING", True),
            mcp_analytics_enabled=_bool(env, "MCP_ANALYTICS_ENABLED", True),
            extra={k: v for k, v in env.items() if k.startswith("PERFKIT_")},
        )

    def env_int(self, name: str, default: int, minimum: int = 0) -> int:
        """A `PERFKIT_*` integer setting of a subsystem, validated like the core ones."""
        return _int(self.extra, name, default, minimum)

    def env_float(self, name: str, default: float, minimum: float = 0.0) -> float:
        """A `PERFKIT_*` number setting of a subsystem, validated like the core ones."""
        return _float(self.extra, name, default, minimum)

    def env_bool(self, name: str, default: bool) -> bool:
        """A `PERFKIT_*` boolean setting of a subsystem, validated like the core ones."""
        return _bool(self.extra, name, default)

    def env_text(self, name: str, default: str) -> str:
        """A `PERFKIT_*` text setting of a subsystem."""
        return self.extra.get(name, default)
