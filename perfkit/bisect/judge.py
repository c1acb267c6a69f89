"""Good, bad or unknown for one commit: its trials against GOOD's, by the one verdict rule.

The verdict functions (`perfkit.analysis.verdict`) decide whether the commit's metric
moved from GOOD's, with the noise of the interleaved trials themselves. Bisect needs one
more answer than "regressed or not": a commit that did not regress *detectably* may
still carry the regression when its trials were too few to see it. So, as Chromium's
Pinpoint does:

- ``bad``: the verdict says regressed;
- ``good``: not regressed, and the upper end of the 95 % interval of its change is below
  half of the change BAD showed (a regression that large would have been seen);
- ``unknown``: neither; the caller records more trials and asks again, and skips the
  commit when the trials run out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from perfkit.analysis.verdict import (
    CompareOptions,
    Sample,
    decide,
    estimate_noise,
    test_metric,
)

Answer = Literal["good", "bad", "unknown"]


@dataclass(frozen=True)
class Judgement:
    answer: Answer
    change: float | None  # relative change of the metric vs GOOD
    ci: tuple[float, float] | None  # its 95 % interval
    verdict: str  # the verdict rule's word: regressed / improved / unchanged
    reason: str
    trials: int  # per side

    def describe(self) -> str:
        if self.change is None:
            return f"{self.answer}: {self.reason}"
        ci = "" if self.ci is None else f" (95 % CI {self.ci[0]:+.1%} .. {self.ci[1]:+.1%})"
        return f"{self.answer}: {self.change:+.1%}{ci}, {self.reason}, {self.trials} trials"


def judge(
    endpoint: str,
    metric: str,
    good_values: Sequence[float],
    commit_values: Sequence[float],
    *,
    options: CompareOptions,
    bad_change: float | None,
) -> Judgement:
    """The answer for one commit; ``bad_change`` None judges BAD itself (regressed or not)."""
    base, candidate = Sample(tuple(good_values)), Sample(tuple(commit_values))
    metric = "mean" if metric == "cpu" else metric  # CPU per request: higher is worse, too
    noise = estimate_noise(metric, base, candidate, interleaved=True)
    test = test_metric(endpoint, metric, base, candidate, noise, family=1, options=options)
    (verdict,) = decide([test], options).verdicts
    trials = min(len(good_values), len(commit_values))
    change, ci = test.change, test.ci
    if verdict.verdict == "regressed":
        return Judgement("bad", change, ci, "regressed", verdict.reason, trials)
    if (
        bad_change is not None
        and ci is not None
        and math.isfinite(ci[1])
        and ci[1] < bad_change / 2
    ):
        reason = f"{verdict.reason}; a change of {bad_change / 2:+.1%} is excluded"
        return Judgement("good", change, ci, verdict.verdict, reason, trials)
    return Judgement("unknown", change, ci, verdict.verdict, verdict.reason, trials)
