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
from collections.abc import Callable
from enum import Enum

MAX_NEG_LOG = 53 * math.log(2.0)  # 1 - u >= 2**-53 for a double u in [0, 1)


class Freshness(Enum):
    FRESH = "fresh"
    EARLY = "early"  # still valid, XFetch chose this reader to refresh it
    STALE = "stale"  # past its soft expiry, inside the stale window


def freshness(
    now: float,
    soft_expiry: float,
    load_seconds: float,
    beta: float,
    rand: Callable[[], float],
) -> Freshness:
    """Classify a value read at ``now``; ``rand()`` is uniform in [0, 1).

    ``rand`` is drawn only when the value is close enough to expiry for the draw to
    matter: ``-ln(1 - u)`` never exceeds ``MAX_NEG_LOG`` for a double ``u`` in [0, 1).
    """
    gap = soft_expiry - now
    if gap <= 0.0:
        return Freshness.STALE
    reach = load_seconds * beta
    if reach <= 0.0 or gap > reach * MAX_NEG_LOG:
        return Freshness.FRESH
    if gap <= -reach * math.log(1.0 - rand()):
        return Freshness.EARLY
    return Freshness.FRESH
