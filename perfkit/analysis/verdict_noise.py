"""The noise of one metric's log change, from the best source there is (paired trials,
interleaved trials, the history's spread, else a conservative prior), and the robust
spreads it is built from (`perfkit.analysis.verdict` explains the order and why)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from perfkit.analysis.verdict_model import LATENCY_METRICS, PRIOR_SD, Noise, Sample

_BLOCKS = 5
_MIN_BLOCK_SAMPLES = 20


def _ss(x: np.ndarray) -> float:
    return float(((x - x.mean()) ** 2).sum())


def estimate_noise(
    metric: str,
    base: Sample,
    candidate: Sample,
    *,
    interleaved: bool,
    paired: bool = False,
    base_is_history: bool = False,
    history: tuple[float, float] | None = None,
    min_history: int = 10,
) -> Noise | None:
    """The standard error of ``mean(log cand) - mean(log base)``, best source first."""
    b, c = base.logs(), candidate.logs()
    if b is None or c is None:
        return None
    m, n = b.size, c.size
    if paired and m == n >= 3:
        s2 = _ss(c - b) / (n - 1)
        if s2 > 0:
            return Noise(math.sqrt(s2 / n), n - 1, "paired trials", f"{n} paired trials")
    if interleaved and m + n - 2 >= 2:
        sp2 = (_ss(b) + _ss(c)) / (m + n - 2)
        if sp2 > 0:
            se = math.sqrt(sp2 * (1 / m + 1 / n))
            return Noise(se, m + n - 2, "interleaved trials", f"{m} + {n} interleaved trials")
    if base_is_history and m >= min_history:
        # the history's runs are the base sample; the candidate is one more run, whose own
        # spread (its trials, its time blocks) counts when wider than the history's: a
        # noisy candidate must not be judged as if it were as steady as the history
        s2 = _ss(b) / (m - 1)
        own = candidate.block_sd or 0.0
        se = math.sqrt(s2 / m + max(s2, own**2))
        return Noise(se, m - 1, "history", f"{m} earlier runs")
    blocks = [s for s in (base.block_sd, candidate.block_sd) if s is not None]
    if history is not None:
        # each run's own spread between its time blocks is a floor: a history whose runs
        # happened to agree closely must not make one run's tail spike significant
        sd, df = history
        sd = max([sd, *blocks])
        return Noise(sd * math.sqrt(2), df, "history", f"spread of {df + 1:.0f} comparable runs")
    sd = max([PRIOR_SD[metric], *blocks])
    return Noise(sd * math.sqrt(2), math.inf, "prior", f"no trials or history: sd {sd:.2f}")


def history_spread(values: Sequence[float], min_runs: int = 10) -> tuple[float, float] | None:
    """(sd of log(metric) between runs, its degrees of freedom) from a history, or None.

    A history may hold deliberate changes (steps, or a bump of a few runs that was fixed):
    its plain sd would measure those, not the noise, and change-point detection misses
    short bumps. Successive differences of the logs see each edge once, so the median of
    their absolute values gives a robust sd (1.4826 MAD / sqrt 2). A median-based estimate
    is worth about half as many runs as a plain one, hence the halved degrees of freedom."""
    x = np.asarray([v for v in values if math.isfinite(v) and v > 0], dtype=np.float64)
    if x.size < max(min_runs, 2):
        return None
    diffs = np.abs(np.diff(np.log(x)))
    sd = 1.4826 * float(np.median(diffs)) / math.sqrt(2)
    return (sd, max((x.size - 1) / 2, 1.0))


def inliers(values: Sequence[float], cut: float = 3.5) -> list[float]:
    """``values`` without outlier runs: those whose log lies more than ``cut`` robust sds
    (1.4826 MAD) from the median. A run stalled by a neighbour (2x slower everywhere) says
    nothing about the code's level or its usual spread; kept, it would drag the mean and
    widen or narrow the spread at random."""
    x = np.asarray([v for v in values if math.isfinite(v) and v > 0], dtype=np.float64)
    if x.size < 4:
        return list(x)
    logs = np.log(x)
    centre = float(np.median(logs))
    mad = 1.4826 * float(np.median(np.abs(logs - centre)))
    if mad == 0:
        return list(x)
    return [float(v) for v, lv in zip(x, logs, strict=True) if abs(lv - centre) <= cut * mad]


def own_spread(values: Sequence[float]) -> float | None:
    """The sd of log(metric) between one run's own trials (None with fewer than 2)."""
    x = np.asarray([v for v in values if math.isfinite(v) and v > 0], dtype=np.float64)
    return float(np.log(x).std(ddof=1)) if x.size >= 2 else None


def block_sd(
    latencies_ms: np.ndarray, times_s: np.ndarray, metric: str, blocks: int = _BLOCKS
) -> float | None:
    """The spread of log(metric) between consecutive time blocks of one run, or None.

    A stand-in for the run-to-run spread when nothing else is known: a block is a short
    run of its own, so its spread is at least as wide as a whole run's (never narrower,
    which is what matters for a conservative prior)."""
    if metric not in LATENCY_METRICS or latencies_ms.size < blocks * _MIN_BLOCK_SAMPLES:
        return None
    order = np.argsort(times_s, kind="stable")
    values = []
    for part in np.array_split(latencies_ms[order], blocks):
        if metric == "mean":
            values.append(float(part.mean()))
        else:
            q = float(metric.lstrip("p"))
            values.append(float(np.percentile(part, q, method="inverted_cdf")))
    arr = np.asarray(values)
    if (arr <= 0).any():
        return None
    return float(np.log(arr).std(ddof=1))
