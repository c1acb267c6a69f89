"""Hourly buckets for trend views: a few counters per route per hour, last N hours only.

Hours are whole hours since the epoch (``int(unix_time // 3600)``), so buckets from
several workers line up and merge by adding. Pure: the caller passes the hour in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def hour_of(unix_time: float) -> int:
    return int(unix_time // 3600)


@dataclass
class HourBucket:
    """Counters of one route in one hour."""

    hour: int
    count: int = 0
    errors: int = 0
    slow: int = 0
    sum_ms: float = 0.0
    max_ms: float = 0.0

    def add(self, other: HourBucket) -> None:
        self.count += other.count
        self.errors += other.errors
        self.slow += other.slow
        self.sum_ms += other.sum_ms
        self.max_ms = max(self.max_ms, other.max_ms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hour": self.hour,
            "count": self.count,
            "errors": self.errors,
            "slow": self.slow,
            "sum_ms": self.sum_ms,
            "max_ms": self.max_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HourBucket:
        return cls(
            hour=int(data["hour"]),
            count=int(data["count"]),
            errors=int(data["errors"]),
            slow=int(data["slow"]),
            sum_ms=float(data["sum_ms"]),
            max_ms=float(data["max_ms"]),
        )

    def view(self) -> dict[str, Any]:
        """The report's form: ISO hour start, counts, mean and max in ms."""
        start = datetime.fromtimestamp(self.hour * 3600, tz=UTC)
        return {
            "hour": start.strftime("%Y-%m-%dT%H:00:00Z"),
            "count": self.count,
            "errors": self.errors,
            "slow": self.slow,
            "mean_ms": round(self.sum_ms / self.count, 3) if self.count else 0.0,
            "max_ms": round(self.max_ms, 3),
        }


class HourlySeries:
    """The buckets of one route, keeping only the newest ``keep`` hours."""

    __slots__ = ("_buckets", "_current", "keep")

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._buckets: dict[int, HourBucket] = {}
        self._current: HourBucket | None = None

    def record(self, hour: int, duration_ms: float, error: bool, slow: bool) -> None:
        bucket = self._current
        if bucket is None or bucket.hour != hour:
            bucket = self._bucket(hour)
        bucket.count += 1
        bucket.sum_ms += duration_ms
        bucket.max_ms = max(bucket.max_ms, duration_ms)
        if error:
            bucket.errors += 1
        if slow:
            bucket.slow += 1

    def record_many(  # noqa: PLR0917 (the figures of one batch, side by side)
        self, hour: int, count: int, sum_ms: float, max_ms: float, errors: int, slow: int
    ) -> None:
        """`record` for ``count`` requests of one hour at once."""
        bucket = self._current
        if bucket is None or bucket.hour != hour:
            bucket = self._bucket(hour)
        bucket.count += count
        bucket.sum_ms += sum_ms
        bucket.max_ms = max(bucket.max_ms, max_ms)
        bucket.errors += errors
        bucket.slow += slow

    def _bucket(self, hour: int) -> HourBucket:
        bucket = self._buckets.get(hour)
        if bucket is None:
            bucket = self._buckets[hour] = HourBucket(hour)
            newest = max(self._buckets)
            for old in [h for h in self._buckets if h <= newest - self.keep]:
                del self._buckets[old]
        if hour == max(self._buckets):
            self._current = bucket
        return bucket

    def buckets(self) -> list[HourBucket]:
        """Copies, oldest first."""
        return [HourBucket(**vars(self._buckets[h])) for h in sorted(self._buckets)]


def merge_hours(series: Iterable[Iterable[HourBucket]], keep: int) -> list[HourBucket]:
    """Add buckets of the same hour together; the newest ``keep`` hours, oldest first."""
    merged: dict[int, HourBucket] = {}
    for buckets in series:
        for bucket in buckets:
            if bucket.hour in merged:
                merged[bucket.hour].add(bucket)
            else:
                merged[bucket.hour] = HourBucket(**vars(bucket))
    hours = sorted(merged)[-keep:]
    return [merged[h] for h in hours]
