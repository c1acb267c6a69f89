"""Did the environment change rather than the code? The testbed rule of the verdict.

A single run, or a run against a history, is measured at another time and maybe on
another machine than what it is compared with. Three signs say the machine moved, not
the code, and turn the outcome into "environment changed: re-run" (exit 3 on the command
line) instead of blaming the code:

- the runs were measured on different testbeds (`perfkit.machine.Testbed`: label, CPU
  model, cores) and something moved;
- every endpoint moved by about the same factor (a slower or busier machine slows every
  request alike; a code change rarely does): `uniform_shift`;
- the candidate's own spread (between its trials, or its time blocks) is several times
  the history's (`NOISY_FACTOR`): it was measured while something else fought for the
  machine.

Interleaved trials are exempt: base and candidate alternated on one machine in one
session, so the machine's moods hit both, and a uniform shift there is the code's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from perfkit.analysis.verdict import MetricVerdict
from perfkit.machine import Testbed

#: the candidate's own spread over the history's beyond which it was measured in a storm
NOISY_FACTOR = 3.0
#: how far (relative, on the log scale) an endpoint's change may be from the median change
#: and still count as "the same factor"
UNIFORM_TOLERANCE = 0.5


@dataclass(frozen=True)
class EnvironmentCheck:
    """What the testbed rule found; ``changed`` makes the outcome "environment changed"."""

    changed: bool
    reasons: list[str] = field(default_factory=list)
    base: Testbed | None = None
    candidate: Testbed | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "changed": self.changed,
            "reasons": self.reasons,
            "base_testbed": None if self.base is None else self.base.to_dict(),
            "candidate_testbed": None if self.candidate is None else self.candidate.to_dict(),
        }


def uniform_shift(changes: Sequence[float], threshold: float) -> float | None:
    """The common relative change when every endpoint (at least 2) moved the same way by
    about the same factor, at least ``threshold``; None otherwise."""
    logs = [math.log1p(c) for c in changes if math.isfinite(c) and c > -1]
    if len(logs) < 2 or len(logs) < len(changes):
        return None
    centre = float(np.median(logs))
    if abs(centre) < math.log1p(threshold):
        return None
    if any(x * centre <= 0 or abs(x - centre) > UNIFORM_TOLERANCE * abs(centre) for x in logs):
        return None
    return math.expm1(centre)


def noisy_endpoints(spreads: Mapping[str, tuple[float | None, float]]) -> list[str]:
    """Endpoints whose candidate spread (own, history) is over `NOISY_FACTOR` x history's."""
    return [
        name
        for name, (own, history) in spreads.items()
        if own is not None and history > 0 and own > NOISY_FACTOR * history
    ]


def check_environment(
    verdicts: Sequence[MetricVerdict],
    *,
    base: Testbed | None,
    candidate: Testbed | None,
    interleaved: bool,
    spreads: Mapping[str, tuple[float | None, float]],
    threshold: float,
    overall: str = "overall",
) -> EnvironmentCheck:
    """The testbed rule over one comparison's verdicts (see the module's docstring)."""
    moved = any(v.verdict != "unchanged" for v in verdicts)
    differs = [] if base is None or candidate is None else base.differences(candidate)
    reasons: list[str] = []
    changed = False
    if differs:
        reasons.append("measured on different testbeds: " + "; ".join(differs))
        changed = moved
    if interleaved:
        return EnvironmentCheck(changed, reasons, base, candidate)
    p50 = [v.change for v in verdicts if v.metric == "p50" and v.test.endpoint != overall]
    shift = None if None in p50 else uniform_shift([c for c in p50 if c is not None], threshold)
    if shift is not None and moved:
        reasons.append(f"every endpoint's p50 moved by about {shift:+.0%}: the machine, not "
                       "one code path")  # fmt: skip
        changed = True
    noisy = noisy_endpoints(spreads)
    if noisy and len(noisy) * 2 > len(spreads):
        reasons.append(
            f"the candidate's own spread is over {NOISY_FACTOR:g}x its history's on "
            f"{len(noisy)} of {len(spreads)} endpoints: measured while the machine was busy"
        )
        changed = True
    return EnvironmentCheck(changed, reasons, base, candidate)
