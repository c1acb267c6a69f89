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
  the history's (`NOISY_FACTOR`, the median ratio over its endpoint metrics): it was
  measured while something else fought for the machine.

Interleaved trials are exempt: base and candidate alternated on one machine in one
session, so the machine's moods hit both, and a uniform shift there is the code's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def uniform_shift(
    p50: Sequence[MetricVerdict], threshold: float, overall: str = "overall"
) -> float | None:
    """The common relative change when every endpoint that could have seen it moved the
    same way by about the same factor (at least ``threshold``, at least 2 endpoints);
    None otherwise. An endpoint that did not move and whose smallest detectable change is
    larger than the shift (a sub-millisecond one drowned in queueing noise) cannot deny it;
    its point change still counts: at least two endpoints, and two thirds of them, agree."""
    moved = [math.log1p(v.change) for v in p50 if v.verdict != "unchanged"
             and v.test.endpoint != overall and v.change is not None and v.change > -1]  # fmt: skip
    if not moved:
        return None
    centre = float(np.median(moved))
    if abs(centre) < math.log1p(threshold):
        return None

    def agrees(x: float) -> bool:
        return x * centre > 0 and abs(x - centre) <= UNIFORM_TOLERANCE * abs(centre)

    judged = [v for v in p50 if v.test.endpoint != overall and v.change is not None
              and v.change > -1]  # fmt: skip
    informative = [
        v for v in judged
        if v.verdict != "unchanged"
        or (v.test.detectable is not None and math.log1p(v.test.detectable) <= abs(centre))
    ]  # fmt: skip
    if not all(agrees(math.log1p(v.change or 0.0)) for v in informative):
        return None
    agreeing = sum(agrees(math.log1p(v.change or 0.0)) for v in judged)
    if agreeing < 2 or 3 * agreeing < 2 * len(judged):  # two thirds of the endpoints at least
        return None
    return math.expm1(centre)


def check_environment(
    verdicts: Sequence[MetricVerdict],
    *,
    base: Testbed | None,
    candidate: Testbed | None,
    interleaved: bool,
    noisier: float,
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
    shift = uniform_shift([v for v in verdicts if v.metric == "p50"], threshold, overall)
    if shift is not None and moved:
        reasons.append(f"every endpoint's p50 moved by about {shift:+.0%}: the machine, not "
                       "one code path")  # fmt: skip
        changed = True
    if noisier >= NOISY_FACTOR:
        reasons.append(f"the candidate's own spread is {noisier:.1f}x its history's (over "
                       f"{NOISY_FACTOR:g}x): measured while the machine was busy")  # fmt: skip
        changed = True
    return EnvironmentCheck(changed, reasons, base, candidate)
