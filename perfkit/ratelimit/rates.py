"""Rate strings: ``parse("30/minute")`` -> `Rate` (30 requests per 60 seconds).

The forms, as `limits` and slowapi write them::

    30/minute   30/min   30/m   30 per minute
    100/15 minutes       100/15m          (a count of units: plural allowed)
    5/second    1000/hour    10000/day

A string that does not parse is a `ConfigError` naming the string and the problem, raised
where the rate is declared (``@limiter.limit("30/minutes")`` fails at import, not at the
first request): ``"30/minutes"`` (a plural needs a count: ``30/minute`` or
``30/2 minutes``), ``"0/s"`` (a limit must be at least 1), ``"-1/h"`` (negative).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from perfkit.durations import UNITS, unit_seconds
from perfkit.errors import ConfigError
from perfkit.ratelimit.policy import DEFAULT_ALGORITHM, DEFAULT_MESSAGE, Algorithm, Policy

_RATE = re.compile(
    r"^\s*(?P<limit>[+-]?\d+)\s*(?:/|\s+per\s+)\s*(?P<count>\d+)?\s*(?P<unit>[a-z]+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rate:
    """``limit`` requests per ``window`` seconds; ``text`` is what was parsed."""

    limit: int
    window: float
    text: str

    def policy(
        self,
        name: str,
        *,
        prefixes: Sequence[str] = ("/",),
        algorithm: Algorithm = DEFAULT_ALGORITHM,
        message: str = DEFAULT_MESSAGE,
        burst: int | None = None,
        shadow: bool = False,
    ) -> Policy:
        """A named `Policy` of this rate (for `LimiterConfig` or ``limiter.hit``)."""
        return Policy(name, self.limit, self.window, algorithm, tuple(prefixes), message,
                      burst=burst, shadow=shadow)  # fmt: skip


def parse(text: str) -> Rate:
    """The `Rate` of ``text`` (see the module docstring), or a one-line `ConfigError`."""
    if not isinstance(text, str):
        raise ConfigError(f"rate {text!r} must be text like '30/minute'")
    match = _RATE.match(text)
    if match is None:
        raise ConfigError(
            f"rate {text!r} does not parse: write <count>/<unit>, e.g. '30/minute' or "
            "'100/15 minutes'"
        )
    limit = int(match["limit"])
    if limit < 1:
        raise ConfigError(f"rate {text!r}: the limit must be at least 1 request, not {limit}")
    count = int(match["count"]) if match["count"] else None
    unit = match["unit"]
    seconds = unit_seconds(unit, plural=count is not None)
    if seconds is None:
        if unit_seconds(unit, plural=True) is not None:
            single = unit.lower().removesuffix("s")
            raise ConfigError(
                f"rate {text!r}: a plural unit needs a count; write '{limit}/{single}' or "
                f"'{limit}/2 {unit}'"
            )
        known = ", ".join(sorted(UNITS))
        raise ConfigError(f"rate {text!r}: unknown unit {unit!r} (use one of {known})")
    if count == 0:
        raise ConfigError(f"rate {text!r}: the window must be at least 1 {unit}")
    return Rate(limit, float(seconds * (count or 1)), text.strip())
