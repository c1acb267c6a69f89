"""Compare two runs: per endpoint and overall, a verdict for each metric.

A metric is *regressed* or *improved* only when both hold (as asv's ``compare --factor``
plus ``_stats.is_different``):

- the practical gate: the relative change is at least ``threshold`` (default 10 %); for the
  error rate also an absolute change of at least ``error_rate_floor``;
- statistical evidence from the two runs (see `perfkit.analysis.stats`).

Anything else is *unchanged*, with the reason recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.stats import (
    P_THRESHOLD,
    Evidence,
    error_rate_test,
    intervals_disjoint,
    mann_whitney,
    mean_interval,
    per_second_counts,
    quantile_interval,
    rate_test,
)
from perfkit.errors import InputError

Verdict = Literal["improved", "regressed", "unchanged"]

#: metric -> True when a higher value is worse
METRICS: dict[str, bool] = {
    "p50": True,
    "p95": True,
    "p99": True,
    "mean": True,
    "throughput": False,
    "error_rate": True,
}
_PERCENTILES = {"p50": 50.0, "p95": 95.0, "p99": 99.0}


@dataclass(frozen=True)
class CompareOptions:
    threshold: float = 0.10
    error_rate_floor: float = 0.005
    p_threshold: float = P_THRESHOLD


@dataclass(frozen=True)
class MetricChange:
    metric: str
    base: float
    candidate: float
    change: float | None
    verdict: Verdict
    evidence: Evidence
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "base": _finite(self.base),
            "candidate": _finite(self.candidate),
            "change": _finite(self.change),
            "verdict": self.verdict,
            "reason": self.reason,
            "evidence": self.evidence.to_dict(),
        }


@dataclass(frozen=True)
class EndpointComparison:
    endpoint: str
    source: Literal["samples", "histogram"]
    metrics: dict[str, MetricChange]

    @property
    def verdict(self) -> Verdict:
        verdicts = {m.verdict for m in self.metrics.values()}
        if "regressed" in verdicts:
            return "regressed"
        return "improved" if "improved" in verdicts else "unchanged"

    def to_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "source": self.source,
            "verdict": self.verdict,
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
        }


@dataclass(frozen=True)
class Comparison:
    base_id: str
    candidate_id: str
    options: CompareOptions
    overall: EndpointComparison
    endpoints: list[EndpointComparison]
    notes: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return any(e.verdict == "regressed" for e in [self.overall, *self.endpoints])

    def regressions(self) -> list[tuple[str, MetricChange]]:
        return [
            (e.endpoint, m)
            for e in [self.overall, *self.endpoints]
            for m in e.metrics.values()
            if m.verdict == "regressed"
        ]

    def to_dict(self) -> dict[str, object]:
        return {
            "base": self.base_id,
            "candidate": self.candidate_id,
            "threshold": self.options.threshold,
            "regressed": self.regressed,
            "overall": self.overall.to_dict(),
            "endpoints": [e.to_dict() for e in self.endpoints],
            "notes": self.notes,
        }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def relative_change(base: float, candidate: float) -> float | None:
    if math.isnan(base) or math.isnan(candidate):
        return None
    if base == 0:
        return 0.0 if candidate == 0 else math.inf
    return (candidate - base) / base


def _latency_evidence(metric: str, a: EndpointData, b: EndpointData, p: float) -> Evidence:
    da, db = a.distribution(), b.distribution()
    if da is None or db is None:
        return Evidence("unavailable", False)
    # The rank test answers "did the bulk move" (p50, mean); a tail percentile gets its own
    # order-statistic interval, which a tail-only change moves and a rank test may not.
    if metric in ("p50", "mean") and a.latencies_ms is not None and b.latencies_ms is not None:
        evidence = mann_whitney(a.latencies_ms, b.latencies_ms, p)
        if evidence is not None:
            return evidence
    if metric == "mean":
        return intervals_disjoint("99% t intervals", mean_interval(da), mean_interval(db))
    q = _PERCENTILES[metric]
    return intervals_disjoint(
        "99% order-statistic intervals", quantile_interval(da, q), quantile_interval(db, q)
    )


def _throughput_evidence(a: EndpointData, b: EndpointData, p: float) -> Evidence:
    if a.offsets_s is not None and b.offsets_s is not None:
        evidence = mann_whitney(
            per_second_counts(a.offsets_s, a.duration_s),
            per_second_counts(b.offsets_s, b.duration_s),
            p,
        )
        if evidence is not None:
            return evidence
    return rate_test(a.count, a.duration_s, b.count, b.duration_s, p)


def _metric(metric: str, a: EndpointData, b: EndpointData, opts: CompareOptions) -> MetricChange:
    if metric == "throughput":
        base, cand = a.throughput, b.throughput
        evidence = _throughput_evidence(a, b, opts.p_threshold)
    elif metric == "error_rate":
        base, cand = a.error_rate, b.error_rate
        evidence = error_rate_test(a.errors, a.count, b.errors, b.count, opts.p_threshold)
    else:
        base, cand = a.value(metric), b.value(metric)
        evidence = _latency_evidence(metric, a, b, opts.p_threshold)
    change = relative_change(base, cand)
    gap = a.origin or b.origin
    if gap is not None and (change is None or evidence.method == "unavailable"):
        # a tool's summary lacks this figure or the distribution a test needs: say so
        return MetricChange(metric, base, cand, change, "unchanged", evidence,
                            f"not available from {gap}")  # fmt: skip
    practical = change is not None and abs(change) >= opts.threshold
    if metric == "error_rate":
        practical = practical and abs(cand - base) >= opts.error_rate_floor
    if not practical:
        return MetricChange(metric, base, cand, change, "unchanged", evidence, "below threshold")
    if not evidence.significant:
        return MetricChange(metric, base, cand, change, "unchanged", evidence, "not significant")
    worse = cand > base if METRICS[metric] else cand < base
    verdict: Verdict = "regressed" if worse else "improved"
    return MetricChange(metric, base, cand, change, verdict, evidence, "threshold and evidence")


def compare_endpoint(
    base: EndpointData, candidate: EndpointData, options: CompareOptions | None = None
) -> EndpointComparison:
    opts = options or CompareOptions()
    source: Literal["samples", "histogram"] = (
        "samples" if base.has_samples and candidate.has_samples else "histogram"
    )
    metrics = {m: _metric(m, base, candidate, opts) for m in METRICS}
    return EndpointComparison(base.name, source, metrics)


def check_comparable(base: RunData, candidate: RunData) -> None:
    """Refuse runs that measured different things; `force` in `compare_runs` skips this."""
    for what, a, b in (
        ("targets", base.target, candidate.target),
        ("scenarios", base.scenario, candidate.scenario),
    ):
        if a != b:
            raise InputError(
                f"runs {base.run_id} and {candidate.run_id} have different {what} "
                f"({a!r} vs {b!r}); use --force to compare them anyway"
            )


def compare_runs(
    base: RunData,
    candidate: RunData,
    options: CompareOptions | None = None,
    *,
    force: bool = False,
) -> Comparison:
    """Compare `candidate` against `base`; raises `InputError` for incomparable runs."""
    opts = options or CompareOptions()
    if not force:
        check_comparable(base, candidate)
    notes: list[str] = []
    if base.load != candidate.load:
        notes.append(f"load settings differ: {dict(base.load)} vs {dict(candidate.load)}")
    for run in (base, candidate):
        if run.origin is not None:
            notes.append(
                f"run {run.run_id} is {run.origin}: per-request statistics, histograms and "
                f"significance tests are not available from {run.origin}"
            )
        elif not run.has_samples:
            notes.append(
                f"run {run.run_id} has no per-request samples: percentiles come from its "
                "histogram and significance from non-overlapping 99% intervals"
            )
    common = [name for name in base.endpoints if name in candidate.endpoints]
    for name in base.endpoints:
        if name not in candidate.endpoints:
            notes.append(f"endpoint {name} is only in the base run {base.run_id}")
    for name in candidate.endpoints:
        if name not in base.endpoints:
            notes.append(f"endpoint {name} is only in the candidate run {candidate.run_id}")
    return Comparison(
        base_id=base.run_id,
        candidate_id=candidate.run_id,
        options=opts,
        overall=compare_endpoint(base.overall, candidate.overall, opts),
        endpoints=[
            compare_endpoint(base.endpoints[n], candidate.endpoints[n], opts) for n in common
        ],
        notes=notes,
    )
