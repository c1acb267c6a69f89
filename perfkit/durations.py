"""Time spans written the way people write them: ``"5m"``, ``"1 hour"``, ``"15 minutes"``.

`parse_duration` reads a cache TTL (``cache.cached(ttl="5m")``); `UNITS` is shared with
the rate strings of `perfkit.ratelimit.rates` (``"30/minute"``). Every problem is a
`ConfigError` naming the text, raised where the value is declared (at start-up).
"""

from __future__ import annotations

import math
import re

from perfkit.errors import ConfigError

#: unit spellings -> seconds; singular and short forms (plurals: see `unit_seconds`)
UNITS = {
    "s": 1, "sec": 1, "second": 1,
    "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hr": 3600, "hour": 3600,
    "d": 86400, "day": 86400,
}  # fmt: skip
_PLURALS = {"secs": 1, "seconds": 1, "mins": 60, "minutes": 60, "hrs": 3600, "hours": 3600,
            "days": 86400}  # fmt: skip
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def unit_seconds(unit: str, *, plural: bool) -> int | None:
    """Seconds of ``unit`` (``minute``, ``m``...); plurals only when ``plural``."""
    unit = unit.lower()
    if unit in UNITS:
        return UNITS[unit]
    return _PLURALS.get(unit) if plural else None


def parse_duration(value: str | float, what: str = "duration") -> float:
    """Seconds of ``value``: a number of seconds, or text like ``"5m"``, ``"90s"``,
    ``"1 hour"``, ``"2 days"``; must be > 0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ConfigError(
                f"{what} {value!r} is not a duration (write e.g. '30s', '5m', '1h', '2 days')"
            )
        number, unit = match.groups()
        factor = unit_seconds(unit, plural=True) if unit else 1
        if factor is None:
            known = ", ".join(sorted(UNITS))
            raise ConfigError(f"{what} {value!r}: unknown unit {unit!r} (use one of {known})")
        seconds = float(number) * factor
    else:
        raise ConfigError(f"{what} {value!r} must be a number of seconds or text like '5m'")
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ConfigError(f"{what} {value!r} must be more than 0 seconds")
    return seconds
