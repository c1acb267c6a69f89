"""Change points in a metric series: windowed E-Divisive means with a Student t-test.

This is the algorithm of Hunter (Fleming et al., "Hunter: Using Change Point Detection to
Hunt for Performance Regressions", ICPE 2023, doi:10.1145/3578244.3583719) as implemented
in ``apache/otava`` ``otava/analysis.py`` (``compute_change_points``):

1. *Split*: slide a window of ``window`` points (step ``window // 2``) along the series; in
   each window run E-Divisive (Matteson & James 2014): repeatedly take the split that
   maximises the energy statistic q-hat over (tau, kappa) and keep it while a two-sided
   t-test between the neighbouring segments gives p <= 10 x ``max_pvalue`` (the "weak"
   change points).
2. *Merge*: over the union of the weak points, repeatedly drop the one with the weakest
   p-value (or the smallest relative change when all pass) until every remaining point
   has p <= ``max_pvalue`` and a change of at least ``min_magnitude``.

One deliberate difference: the t-test's p-value is Bonferroni-corrected for the number of
splits the segment offered (see `_point`), which keeps noise from raising false steps.

Each window is O(window^2); a window in which no split can pass the weak t-test is told
from cumulative sums, many windows per numpy pass, and skipped
(`perfkit.analysis.changepoint_screen`), so a series of 10,000 runs takes milliseconds
and the change points are the same. This is our own code (numpy, 2-D prefix sums of the
distance matrix), not a copy of otava's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from perfkit.analysis.changepoint_screen import WindowScreen


@dataclass(frozen=True)
class ChangePoint:
    """A step at ``index``: the first point of the new level."""

    index: int
    mean_before: float
    mean_after: float
    p_value: float

    @property
    def change(self) -> float:
        """Relative change of the segment means (after / before - 1)."""
        if self.mean_before == 0:
            return 0.0 if self.mean_after == 0 else math.inf
        return self.mean_after / self.mean_before - 1.0

    @property
    def magnitude(self) -> float:
        """otava's measure: the larger of the forward and backward relative changes."""
        if self.mean_before == 0 or self.mean_after == 0:
            return math.inf if self.mean_before != self.mean_after else 0.0
        return max(abs(self.change), abs(self.mean_before / self.mean_after - 1.0))

    def to_dict(self) -> dict[str, float | int]:
        return {
            "index": self.index,
            "mean_before": self.mean_before,
            "mean_after": self.mean_after,
            "change": self.change,
            "p_value": self.p_value,
        }


def t_test(left: NDArray[np.float64], right: NDArray[np.float64]) -> float:
    """Two-sided pooled-variance t-test p-value; 1.0 when there is nothing to test."""
    n1, n2 = left.size, right.size
    df = n1 + n2 - 2
    if n1 == 0 or n2 == 0 or df <= 0:
        return 1.0
    diff = float(left.mean() - right.mean())
    ss = float(((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum())
    if ss == 0.0:  # flat segments: a step is certain, no step is certain
        return 0.0 if diff != 0.0 else 1.0
    se = math.sqrt(ss / df * (1.0 / n1 + 1.0 / n2))
    return float(2.0 * special.stdtr(df, -abs(diff) / se))  # the t distribution's sf


def _qhat_candidate(z: NDArray[np.float64]) -> tuple[int, float]:
    """The split tau (1..n-1) maximising q-hat over all (tau, kappa) of ``z``, and q-hat."""
    n = z.size
    d = np.abs(z[:, None] - z[None, :])
    p = np.zeros((n + 1, n + 1))
    p[1:, 1:] = d.cumsum(0).cumsum(1)  # p[a, b] = sum of d[:a, :b]
    tau = np.arange(1, n)[:, None]
    kappa = np.arange(2, n + 1)[None, :]
    valid = kappa > tau
    cross = p[tau, kappa] - p[tau, tau]
    within_x = p[tau, tau] / 2.0
    within_y = (p[kappa, kappa] - 2.0 * p[tau, kappa] + p[tau, tau]) / 2.0
    nx = np.broadcast_to(tau, valid.shape).astype(np.float64)
    ny = (kappa - tau).astype(np.float64)
    total = nx + ny
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (
            2.0 / total * cross
            - np.where(nx > 1, 2.0 * ny / (total * (nx - 1)), 0.0) * within_x
            - np.where(ny > 1, 2.0 * nx / (total * (ny - 1)), 0.0) * within_y
        )
    q = np.where(valid, q, -np.inf)
    i, _ = np.unravel_index(int(np.argmax(q)), q.shape)
    return int(i) + 1, float(q.max())


def _point(series: NDArray[np.float64], cps: list[int], k: int) -> ChangePoint:
    """Statistics of change point ``cps[k]`` between its neighbouring change points."""
    lo = cps[k - 1] if k > 0 else 0
    hi = cps[k + 1] if k + 1 < len(cps) else series.size
    left, right = series[lo : cps[k]], series[cps[k] : hi]
    # The split was chosen as the best of (hi - lo - 1) possible ones, so the t-test's
    # p-value is corrected for that search (Bonferroni); uncorrected, pure noise yields a
    # "significant" split in about one series in ten (200 points, p <= 0.001).
    p_value = min(1.0, t_test(left, right) * (hi - lo - 1))
    return ChangePoint(cps[k], float(left.mean()), float(right.mean()), p_value)


def _divisive(window: NDArray[np.float64], max_pvalue: float) -> list[int]:
    """E-Divisive on one window: keep splitting while the best split is significant."""
    cps: list[int] = []
    candidates: dict[tuple[int, int], tuple[int, float]] = {}  # a segment's, once per segment
    while True:
        bounds = [0, *cps, window.size]
        best: tuple[float, int] | None = None
        for lo, hi in itertools.pairwise(bounds):
            if hi - lo > 1:
                if (lo, hi) not in candidates:
                    candidates[lo, hi] = _qhat_candidate(window[lo:hi])
                tau, q = candidates[lo, hi]
                if best is None or q > best[0]:
                    best = (q, lo + tau)
        if best is None:
            return cps
        trial = sorted([*cps, best[1]])
        if _point(window, trial, trial.index(best[1])).p_value > max_pvalue:
            return cps
        cps = trial


def _split(series: NDArray[np.float64], window: int, max_pvalue: float) -> list[int]:
    """The weak change points: E-Divisive in each window that `WindowScreen` does not
    prove quiet (same points as running it in every window)."""
    found: set[int] = set()
    start, step = 0, max(window // 2, 1)
    screen = WindowScreen(series, window, step, max_pvalue)
    while start < series.size:
        end = min(start + window, series.size)
        new = [] if screen.quiet(start) else _divisive(series[start:end], max_pvalue)
        new = [start + i for i in new]
        found.update(new)
        start = max(max(new, default=0), start + step)
    return sorted(found)


def _merge(
    series: NDArray[np.float64], cps: list[int], max_pvalue: float, min_magnitude: float
) -> list[ChangePoint]:
    points = [_point(series, cps, k) for k in range(len(cps))]
    while points:
        weakest = max(range(len(points)), key=lambda k: points[k].p_value)
        if points[weakest].p_value <= max_pvalue:
            weakest = min(range(len(points)), key=lambda k: points[k].magnitude)
            if points[weakest].magnitude >= min_magnitude:
                break
        del cps[weakest], points[weakest]
        for k in (weakest - 1, weakest):  # the neighbours' segments grew: recompute them
            if 0 <= k < len(points):
                points[k] = _point(series, cps, k)
    return points


def detect_change_points(
    series: Sequence[float] | NDArray[np.float64],
    *,
    window: int = 50,
    max_pvalue: float = 0.001,
    min_magnitude: float = 0.0,
) -> list[ChangePoint]:
    """Change points of ``series`` (in order); NaNs are not allowed."""
    values = np.asarray(series, dtype=np.float64)
    if values.size < 3:
        return []
    if np.isnan(values).any():
        raise ValueError("series contains NaN")
    first_pass = max_pvalue * 10 if max_pvalue < 0.05 else min(max_pvalue * 2, 1.0)
    weak = _split(values, max(window, 3), first_pass)
    return _merge(values, weak, max_pvalue, min_magnitude)


def segments(
    series: Sequence[float] | NDArray[np.float64], points: Sequence[ChangePoint]
) -> list[tuple[int, int, float]]:
    """(start, stop, mean) of each level between change points, for plotting."""
    values = np.asarray(series, dtype=np.float64)
    bounds = [0, *(p.index for p in points), values.size]
    return [
        (lo, hi, float(values[lo:hi].mean())) for lo, hi in itertools.pairwise(bounds) if hi > lo
    ]
