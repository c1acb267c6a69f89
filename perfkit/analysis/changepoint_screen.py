"""Windows of a series that cannot hold a weak change point, told without E-Divisive.

`perfkit.analysis.changepoints` runs E-Divisive on each window of a series and keeps the
split it chooses only when the two-sided t-test of that split, Bonferroni-corrected for
the window's ``n - 1`` possible splits, gives p <= the weak threshold. Whichever split
q-hat chooses, its p-value is at least the smallest p-value over all ``n - 1`` splits of
the window. That smallest p-value takes O(n) per window from cumulative sums, computed
for many windows at once with numpy, where E-Divisive takes O(n^2) per window in Python
calls. A window whose every split is well above the threshold is *quiet*: E-Divisive
would find nothing in it, so it is not run; the others go through E-Divisive as before.
Over a history of 10,000 runs nearly every window is quiet, so the detection costs
numpy passes over the series instead of 400 E-Divisive calls per series.

The cumulative sums round differently from `changepoints.t_test`'s two-pass means. A
window is only called quiet when its smallest p-value is above *twice* the threshold
and every split's sum of squares is a million times its rounding error bound (relative
error <= 1e-5 in the t statistic, far inside a factor of two in p); a flat or nearly
flat window, or a constant non-zero one, always goes through E-Divisive. So the change
points found are the same as without the screen (tests/analysis/test_changepoint_screen.py
compares both on the shipped history, a generated one and random series with steps).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

#: windows screened per numpy pass; after a window that holds a change point the next
#: windows start elsewhere, so a pass is not made longer than this
CHUNK = 128
#: a split's sum of squares must be this many times its rounding error bound
CONDITIONING = 1e6


def quiet_windows(
    series: NDArray[np.float64], starts: NDArray[np.int64], n: int, threshold: float
) -> NDArray[np.bool_]:
    """True for each window ``series[s : s + n]`` (every one full length, ``n >= 3``) in
    which no split has a corrected t-test p-value <= ``threshold``."""
    windows = series[starts[:, None] + np.arange(n)[None, :]]
    centred = windows - windows.mean(axis=1, keepdims=True)
    sums = np.cumsum(centred, axis=1)
    squares = np.cumsum(centred * centred, axis=1)
    n_left = np.arange(1, n, dtype=np.float64)
    n_right = n - n_left
    s_left, q_left = sums[:, :-1], squares[:, :-1]
    s_right, q_right = sums[:, -1:] - s_left, squares[:, -1:] - q_left
    ss = (q_left - s_left * s_left / n_left) + (q_right - s_right * s_right / n_right)
    diff = s_left / n_left - s_right / n_right
    df = n - 2
    rounding = CONDITIONING * 8.0 * n * np.finfo(np.float64).eps * squares[:, -1:]
    conditioned = (ss > rounding).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(diff) / np.sqrt(ss / df * (1.0 / n_left + 1.0 / n_right))
        t_max = np.where(conditioned, t.max(axis=1), np.inf)
    smallest = np.minimum(1.0, 2.0 * special.stdtr(df, -t_max) * (n - 1))
    quiet: NDArray[np.bool_] = conditioned & (smallest > 2.0 * threshold)
    # an all-zero window is quiet exactly: every mean, difference and sum of squares is 0
    zero: NDArray[np.bool_] = ~windows.any(axis=1) & (threshold < 1.0)
    return np.logical_or(quiet, zero)


class WindowScreen:
    """`quiet_windows` of a series' windows of ``window`` points, asked for one start at a
    time (in increasing order, as `changepoints._split` walks) and computed a chunk of
    starts ``step`` apart at a time."""

    def __init__(
        self, series: NDArray[np.float64], window: int, step: int, threshold: float
    ) -> None:
        self.series, self.window, self.step, self.threshold = series, window, step, threshold
        self._known: dict[int, bool] = {}

    def quiet(self, start: int) -> bool:
        if start + self.window > self.series.size or self.window < 3:
            return False  # a short last window: E-Divisive decides
        if start not in self._known:
            last = self.series.size - self.window
            starts = np.arange(start, min(last, start + (CHUNK - 1) * self.step) + 1, self.step)
            flags = quiet_windows(self.series, starts, self.window, self.threshold)
            self._known = dict(zip(starts.tolist(), flags.tolist(), strict=True))
        return self._known[start]
