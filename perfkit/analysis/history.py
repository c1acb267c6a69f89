"""Gate a run against the history of comparable runs.

Each earlier comparable run is one observation of a metric. The candidate is tested
against a Student-t *prediction interval* on the log of the metric over a window of them,
as Bencher's ``t_test`` threshold does (``bencherdev/bencher``
``lib/bencher_boundary/src/limits/mod.rs``: a Student's t with the window's mean and
standard deviation and n - 1 degrees of freedom; we widen the scale by sqrt(1 + 1/n) so it
is a true prediction interval for one new run, and work on logs because latencies are
right-skewed and their noise is multiplicative). The relative gate must hold as well.

Statuses:

- ``insufficient history``: fewer than ``min_runs`` comparable runs: no verdict at all;
- ``unchanged``: inside the interval, or outside it by less than the relative gate;
- ``suspected``: a first breach: outside the interval and past the relative gate;
- ``confirmed``: a change point (`perfkit.analysis.changepoints`) starts a new level at
  most ``recent`` runs ago that includes the candidate and differs by at least the gate.

The window is the current level only: runs before the last older change point are left
out, so an accepted step becomes the new normal instead of widening the interval forever.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as sps

from perfkit.analysis.changepoints import ChangePoint, detect_change_points

Status = Literal["insufficient history", "unchanged", "suspected", "confirmed"]
Direction = Literal["regressed", "improved"]


@dataclass(frozen=True)
class HistoryOptions:
    window: int = 30
    min_runs: int = 5
    confidence: float = 0.99
    threshold: float = 0.10
    recent: int = 5
    max_pvalue: float = 0.001


@dataclass(frozen=True)
class HistoryVerdict:
    metric: str
    status: Status
    candidate: float
    message: str
    direction: Direction | None = None
    baseline: float | None = None
    lower: float | None = None
    upper: float | None = None
    runs: int = 0
    change: float | None = None
    change_point: ChangePoint | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "status": self.status,
            "direction": self.direction,
            "candidate": self.candidate,
            "baseline": self.baseline,
            "lower": self.lower,
            "upper": self.upper,
            "runs": self.runs,
            "change": self.change,
            "change_point": None if self.change_point is None else self.change_point.to_dict(),
            "message": self.message,
        }


def prediction_interval(
    values: Sequence[float], confidence: float = 0.99, *, log: bool = True
) -> tuple[float, float, float]:
    """(centre, lower, upper) for one new observation, on the log scale when ``log``."""
    x = np.asarray(values, dtype=np.float64)
    if x.size < 2:
        raise ValueError("a prediction interval needs at least two observations")
    y = np.log(x) if log else x
    mean, sd = float(y.mean()), float(y.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2, x.size - 1)) * sd * math.sqrt(1 + 1 / x.size)
    if log:
        return math.exp(mean), math.exp(mean - half), math.exp(mean + half)
    return mean, mean - half, mean + half


def _direction(change: float, higher_is_worse: bool) -> Direction:
    return "regressed" if (change > 0) == higher_is_worse else "improved"


def check_history(
    history: Sequence[float],
    candidate: float,
    *,
    metric: str = "value",
    higher_is_worse: bool = True,
    options: HistoryOptions | None = None,
) -> HistoryVerdict:
    """Test ``candidate`` against ``history`` (earlier runs, oldest first)."""
    opts = options or HistoryOptions()
    values = [float(v) for v in history if math.isfinite(v)]
    use_log = all(v > 0 for v in values) and candidate > 0
    n = len(values) + 1

    def verdict(status: Status, message: str, **kw: Any) -> HistoryVerdict:
        return HistoryVerdict(metric, status, candidate, message, **kw)

    if len(values) < opts.min_runs:
        return verdict(
            "insufficient history",
            f"{len(values)} comparable earlier runs; at least {opts.min_runs} are needed",
            runs=len(values),
        )
    series = np.asarray([*values, candidate])
    points = detect_change_points(np.log(series) if use_log else series, max_pvalue=opts.max_pvalue)
    # Change points are found on the log scale; report their means on the metric's scale.
    older = [p for p in points if p.index < n - 1]
    last = older[-1] if older else None
    if last is not None and n - last.index <= opts.recent:
        before_start = older[-2].index if len(older) > 1 else 0
        before = series[before_start : last.index]
        after = series[last.index :]
        centre_b, centre_a = _centre(before, use_log), _centre(after, use_log)
        change = centre_a / centre_b - 1 if centre_b else math.inf
        step = ChangePoint(last.index, centre_b, centre_a, last.p_value)
        if abs(change) >= opts.threshold:
            return verdict(
                "confirmed",
                f"a change point at run {last.index} of {n} ({change:+.1%}) confirms the step",
                direction=_direction(change, higher_is_worse),
                baseline=centre_b,
                runs=int(before.size),
                change=change,
                change_point=step,
            )
        return verdict(
            "unchanged",
            f"a step of {change:+.1%} is below the gate",
            baseline=centre_b,
            runs=int(before.size),
            change=change,
            change_point=step,
        )
    start = max((p.index for p in older if n - p.index > opts.recent), default=0)
    window = values[start:][-opts.window :]
    if len(window) < opts.min_runs:
        return verdict(
            "insufficient history",
            f"{len(window)} runs since the last change point; at least {opts.min_runs} needed",
            runs=len(window),
        )
    centre, lower, upper = prediction_interval(window, opts.confidence, log=use_log)
    change = candidate / centre - 1 if centre else (0.0 if candidate == 0 else math.inf)
    outside = candidate < lower or candidate > upper
    kw: dict[str, Any] = {
        "baseline": centre,
        "lower": lower,
        "upper": upper,
        "runs": len(window),
        "change": change,
    }
    if outside and abs(change) >= opts.threshold:
        return verdict(
            "suspected",
            f"{candidate:.4g} is outside the {opts.confidence:.0%} prediction interval "
            f"[{lower:.4g}, {upper:.4g}] of {len(window)} runs ({change:+.1%}); "
            "a change point will confirm it",
            direction=_direction(change, higher_is_worse),
            **kw,
        )
    return verdict("unchanged", f"{change:+.1%} against {len(window)} runs", **kw)


def _centre(values: np.ndarray, use_log: bool) -> float:
    return float(np.exp(np.log(values).mean())) if use_log else float(values.mean())
