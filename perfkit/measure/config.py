"""What the measurement layer needs from `Settings`, validated once at start-up.

The three thresholds come from the core settings (``SLOW_REQUEST_THRESHOLD`` and
friends); everything else is a ``PERFKIT_*`` variable read through `Settings.env_*`,
so a bad value fails at start-up with the variable's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from perfkit.config import Settings

SlowClass = Literal["normal", "slow", "very_slow", "critical"]
SLOW_CLASSES: tuple[SlowClass, ...] = ("slow", "very_slow", "critical")


@dataclass(frozen=True)
class Thresholds:
    """Request duration thresholds in milliseconds (slow <= very slow <= critical)."""

    slow_ms: float = 1000.0
    very_slow_ms: float = 5000.0
    critical_ms: float = 10000.0

    def classify(self, duration_ms: float) -> SlowClass:
        """The class of a request: ``normal`` below ``slow_ms``, and so on upwards."""
        if duration_ms < self.slow_ms:
            return "normal"
        if duration_ms < self.very_slow_ms:
            return "slow"
        if duration_ms < self.critical_ms:
            return "very_slow"
        return "critical"

    def to_dict(self) -> dict[str, float]:
        return {
            "slow_ms": self.slow_ms,
            "very_slow_ms": self.very_slow_ms,
            "critical_ms": self.critical_ms,
        }


@dataclass(frozen=True)
class MeasureConfig:
    """Every knob of the monitor; `from_settings` is the one place they are read."""

    thresholds: Thresholds = Thresholds()
    slow_log_enabled: bool = True
    slow_log_path: Path = Path("logs/slow-requests.log")
    slow_log_max_bytes: int = 10 * 1024 * 1024
    slow_log_backups: int = 3
    max_routes: int = 200
    recent_slow: int = 100
    hours: int = 48
    flush_interval_s: float = 5.0
    worker_ttl_s: int = 60
    loop_lag_interval_s: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> MeasureConfig:
        return cls(
            thresholds=Thresholds(
                slow_ms=float(settings.slow_request_threshold_ms),
                very_slow_ms=float(settings.very_slow_request_threshold_ms),
                critical_ms=float(settings.critical_request_threshold_ms),
            ),
            slow_log_enabled=settings.enable_slow_request_logging,
            slow_log_path=Path(
                settings.env_text("PERFKIT_SLOW_LOG_PATH", "logs/slow-requests.log")
            ),
            slow_log_max_bytes=settings.env_int(
                "PERFKIT_SLOW_LOG_MAX_BYTES", 10 * 1024 * 1024, 1024
            ),
            slow_log_backups=settings.env_int("PERFKIT_SLOW_LOG_BACKUPS", 3, 1),
            max_routes=settings.env_int("PERFKIT_MEASURE_MAX_ROUTES", 200, 1),
            recent_slow=settings.env_int("PERFKIT_MEASURE_RECENT_SLOW", 100, 1),
            hours=settings.env_int("PERFKIT_MEASURE_HOURS", 48, 1),
            flush_interval_s=settings.env_float("PERFKIT_MEASURE_FLUSH_INTERVAL", 5.0, 0.05),
            worker_ttl_s=settings.env_int("PERFKIT_MEASURE_WORKER_TTL", 60, 1),
            loop_lag_interval_s=settings.env_float("PERFKIT_LOOP_LAG_INTERVAL", 0.5, 0.01),
        )


# Indexed by status // 100 (the monitor inlines this lookup on its hot path).
STATUS_CLASSES = ("5xx", "1xx", "2xx", "3xx", "4xx", "5xx")


def status_class(status: int) -> str:
    """``200`` -> ``"2xx"``; anything outside 100-599 is ``"5xx"`` (a broken response)."""
    return STATUS_CLASSES[status // 100] if 100 <= status < 600 else "5xx"


# Kept one by one beside its class (with each 5xx): the limiter's refusal, which the
# operator answers differently from any other 4xx.
TOO_MANY_REQUESTS = 429
