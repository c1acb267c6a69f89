"""The values the verdict's rule works with: its options, the noise of one metric, one
side's sample, one metric's test and verdict, and the change arithmetic (in log space,
saturating at infinity instead of overflowing). The rule itself is `perfkit.analysis.verdict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from perfkit.errors import InputError

Verdict = Literal["improved", "regressed", "unchanged"]
NoiseSource = Literal["paired trials", "interleaved trials", "history", "prior", "counts"]

#: metric -> True when a higher value is worse
METRICS: dict[str, bool] = {
    "p50": True,
    "p95": True,
    "p99": True,
    "mean": True,
    "throughput": False,
    "error_rate": True,
}
LATENCY_METRICS = ("p50", "p95", "p99", "mean")
#: run-to-run standard deviation of log(metric) assumed when nothing better is known; from
#: the A/A runs of `perfkit bench verdicts` on a shared 2-core machine (tails spread more)
PRIOR_SD: dict[str, float] = {
    "p50": 0.15,
    "mean": 0.15,
    "p95": 0.20,
    "p99": 0.30,
    "throughput": 0.15,
}
_MAX_LOG = 700.0  # math.expm1 overflows a little past 709


@dataclass(frozen=True)
class CompareOptions:
    """The decision rule's settings; `validate` rejects values that could never decide."""

    threshold: float = 0.10
    alpha: float = 0.01
    floor_ms: float | None = None
    error_rate_floor: float = 0.005
    power: float = 0.80
    #: comparable earlier runs needed before their spread is called "history"; below this
    #: the t quantiles of a median-based spread (about (n - 1) / 2 degrees of freedom) are
    #: so wide that nothing could be detected, so the verdict says "not enough history"
    min_history: int = 10

    def validate(self) -> None:
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise InputError(f"--threshold must be a positive number, got {self.threshold}")
        if not (math.isfinite(self.alpha) and 0 < self.alpha < 1):
            raise InputError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.floor_ms is not None and not (math.isfinite(self.floor_ms) and self.floor_ms >= 0):
            raise InputError(f"--floor-ms must be a number >= 0, got {self.floor_ms}")


@dataclass(frozen=True)
class Noise:
    """The standard error of the log change of one metric, and where it came from."""

    se: float
    df: float
    source: NoiseSource
    detail: str

    @property
    def weak(self) -> bool:
        return self.source == "prior"


@dataclass(frozen=True)
class Sample:
    """One side of one metric: its values per independent unit (trial or run)."""

    values: tuple[float, ...]
    block_sd: float | None = None  # spread of log(metric) between the run's time blocks

    @property
    def centre(self) -> float:
        """The geometric mean of positive values (the arithmetic mean otherwise)."""
        arr = np.asarray(self.values, dtype=np.float64)
        if arr.size and (arr > 0).all():
            return float(np.exp(np.log(arr).mean()))
        return float(arr.mean()) if arr.size else math.nan

    def logs(self) -> np.ndarray | None:
        """log(values), or None when any value is not a positive finite number."""
        arr = np.asarray(self.values, dtype=np.float64)
        if arr.size == 0 or not np.isfinite(arr).all() or (arr <= 0).any():
            return None
        return np.log(arr)


@dataclass(frozen=True)
class MetricTest:
    """What the decision needs of one endpoint metric before the family correction."""

    endpoint: str
    metric: str
    base: float
    candidate: float
    change: float | None  # relative
    p_value: float | None
    ci: tuple[float, float] | None  # 95 % interval of the relative change
    detectable: float | None  # smallest relative change detected with `power`
    noise: Noise | None
    floor: float | None  # absolute floor in the metric's unit, latencies only
    unavailable: str | None = None  # why the figure is missing ("not available from ...")


@dataclass(frozen=True)
class MetricVerdict:
    test: MetricTest
    adjusted_p: float | None
    verdict: Verdict
    reason: str

    @property
    def metric(self) -> str:
        return self.test.metric

    @property
    def base(self) -> float:
        return self.test.base

    @property
    def candidate(self) -> float:
        return self.test.candidate

    @property
    def change(self) -> float | None:
        return self.test.change

    def to_dict(self) -> dict[str, object]:
        t = self.test
        return {
            "metric": t.metric,
            "base": _finite(t.base),
            "candidate": _finite(t.candidate),
            "change": _finite(t.change),
            "ci": None if t.ci is None else [_finite(t.ci[0]), _finite(t.ci[1])],
            "p_value": _finite(t.p_value),
            "adjusted_p": _finite(self.adjusted_p),
            "smallest_detectable": _finite(t.detectable),
            "floor": _finite(t.floor),
            "noise": None
            if t.noise is None
            else {"source": t.noise.source, "detail": t.noise.detail, "df": _finite(t.noise.df)},
            "verdict": self.verdict,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Decision:
    verdicts: list[MetricVerdict]
    options: CompareOptions
    notes: list[str] = field(default_factory=list)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def grow(log_change: float) -> float:
    """``exp(x) - 1`` that saturates at infinity instead of raising `OverflowError`."""
    return math.expm1(log_change) if log_change < _MAX_LOG else math.inf


def relative_change(base: float, candidate: float) -> float | None:
    if math.isnan(base) or math.isnan(candidate):
        return None
    if base == 0:
        return 0.0 if candidate == 0 else math.inf
    return (candidate - base) / base
