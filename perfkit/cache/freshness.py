"""When a cached value should be reloaded: soft expiry and XFetch (pure functions).

XFetch (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede
Prevention", VLDB 2015): a reader recomputes early when

    now - load_seconds * beta * ln(rand) >= expiry

with ``rand`` uniform in (0, 1]. The longer a load takes and the closer the expiry, the
likelier an early refresh, so one reader of a hot key reloads it shortly before it
expires instead of many readers at once just after. The clock and the random draw are
arguments, so the rule is tested exactly.
"""

from __future__ import annotations

import math
from enum import Enum


class Freshness(Enum):
    FRESH = "fresh"
    EARLY = "early"  # still valid, XFetch chose this reader to refresh it
    STALE = "stale"  # past its soft expiry, inside the stale window


def freshness(
    now: float, soft_expiry: float, load_seconds: float, beta: float, rand: float
) -> Freshness:
    """Classify a value read at ``now``; ``rand`` is uniform in (0, 1]."""
    if now >= soft_expiry:
        return Freshness.STALE
    early = beta > 0.0 and load_seconds > 0.0 and rand > 0.0
    if early and now - load_seconds * beta * math.log(rand) >= soft_expiry:
        return Freshness.EARLY
    return Freshness.FRESH
