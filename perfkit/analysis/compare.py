"""Compare runs: per endpoint and overall, a verdict for each metric (`perfkit.analysis.verdict`).

Two questions, one decision rule:

- `compare_runs(base, candidate, history=...)`: did the candidate run move against the base
  run? Interleaved trials of the two (one session) are the strongest evidence; otherwise
  the comparable runs of ``history`` give the spread between runs; with neither the
  verdict is weak (a prior) and says the smallest change it could have detected.
- `compare_to_history(candidate, history)`: the history gate (``perfkit trends --gate``):
  is the candidate outside the spread of the history's current level?

`perfkit compare`, notebook 02, the analytics report, ``/api/mcp/analytics`` and the MCP
tools all come here, so they cannot disagree about the same runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from perfkit.analysis.changepoints import detect_change_points
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.verdict import (
    LATENCY_METRICS,
    METRICS,
    CompareOptions,
    MetricTest,
    MetricVerdict,
    Sample,
    Verdict,
    block_sd,
    decide,
    estimate_noise,
    history_spread,
    relative_change,
    test_error_rate,
    test_metric,
)
from perfkit.errors import InputError

__all__ = [
    "METRICS",
    "CompareOptions",
    "Comparison",
    "EndpointComparison",
    "MetricVerdict",
    "comparable_history",
    "compare_runs",
    "compare_to_history",
    "relative_change",
]

OVERALL = "overall"
#: how many earlier runs of the current level the history gate and the noise look at
HISTORY_WINDOW = 30
_LABEL_HINT = (
    "; a service started on another port is the same target when both runs carry one "
    "label: record them with --target-label NAME (or use --force)"
)


@dataclass(frozen=True)
class EndpointComparison:
    endpoint: str
    metrics: dict[str, MetricVerdict]

    @property
    def verdict(self) -> Verdict:
        verdicts = {m.verdict for m in self.metrics.values()}
        if "regressed" in verdicts:
            return "regressed"
        return "improved" if "improved" in verdicts else "unchanged"

    def to_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
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
    evidence: str  # "interleaved trials", "history", "prior" (weak) or a mix
    notes: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[EndpointComparison]:
        return [self.overall, *self.endpoints]

    @property
    def regressed(self) -> bool:
        return any(e.verdict == "regressed" for e in self.all)

    @property
    def improved(self) -> bool:
        return any(e.verdict == "improved" for e in self.all)

    @property
    def verdict(self) -> Verdict:
        return "regressed" if self.regressed else "improved" if self.improved else "unchanged"

    @property
    def weak(self) -> bool:
        return "prior" in self.evidence

    def regressions(self) -> list[tuple[str, MetricVerdict]]:
        return self.changes("regressed")

    def changes(self, verdict: Verdict) -> list[tuple[str, MetricVerdict]]:
        return [
            (e.endpoint, m) for e in self.all for m in e.metrics.values() if m.verdict == verdict
        ]

    def to_dict(self) -> dict[str, object]:
        return {
            "base": self.base_id,
            "candidate": self.candidate_id,
            "threshold": self.options.threshold,
            "alpha": self.options.alpha,
            "verdict": self.verdict,
            "regressed": self.regressed,
            "evidence": self.evidence,
            "weak": self.weak,
            "overall": self.overall.to_dict(),
            "endpoints": [e.to_dict() for e in self.endpoints],
            "notes": self.notes,
        }


def check_comparable(base: RunData, candidate: RunData) -> None:
    """Refuse runs that measured different things; `force` in `compare_runs` skips this."""
    for what, a, b in (
        ("targets", base.target, candidate.target),
        ("scenarios", base.scenario, candidate.scenario),
    ):
        if a != b:
            hint = _LABEL_HINT if what == "targets" else "; use --force to compare them anyway"
            raise InputError(
                f"runs {base.run_id} and {candidate.run_id} have different {what} "
                f"({a!r} vs {b!r}){hint}"
            )


def comparable_history(
    history: Iterable[RunData], like: RunData, exclude: Iterable[str] = ()
) -> list[RunData]:
    """Runs of ``history`` that measured what ``like`` did, the same way, oldest first."""
    skip = set(exclude) | {like.run_id}
    key = like.comparable_key()
    found = [r for r in history if r.run_id not in skip and r.comparable_key() == key]
    return sorted(found, key=lambda r: (r.started_at, r.run_id))[-HISTORY_WINDOW:]


def _endpoint(run: RunData, name: str) -> EndpointData | None:
    return run.overall if name == OVERALL else run.endpoints.get(name)


def _sample(ep: EndpointData, metric: str, *, trials: bool) -> Sample:
    values = ep.trials.get(metric) if trials else None
    spread = None  # only the history and the prior use it: interleaved trials have their own
    if not values and ep.latencies_ms is not None and ep.latency_times_s is not None:
        spread = block_sd(ep.latencies_ms, ep.latency_times_s, metric)
    return Sample(tuple(values) if values else (ep.value(metric),), spread)


def _floor(run: RunData, options: CompareOptions) -> float | None:
    """The absolute floor of a latency change: the option, else the run's fastest request,
    the round trip of generator, loopback and framework that every request pays (a change
    smaller than that cannot be told from the harness)."""
    if options.floor_ms is not None:
        return options.floor_ms
    fastest = run.overall.summary.get("min")
    if fastest is None and (dist := run.overall.distribution()) is not None and dist.count:
        fastest = dist.percentile(0.0)
    return fastest if fastest is not None and math.isfinite(fastest) and fastest > 0 else None


def _names(base: RunData, candidate: RunData) -> list[str]:
    return [OVERALL, *(n for n in base.endpoints if n in candidate.endpoints)]


def _history_values(history: Sequence[RunData], name: str, metric: str) -> list[float]:
    return [
        e.value(metric, prefer_summary=True)
        for run in history
        if (e := _endpoint(run, name)) is not None
    ]


def _pair_tests(
    base: RunData, candidate: RunData, history: Sequence[RunData], options: CompareOptions
) -> list[MetricTest]:
    interleaved = base.session is not None and base.session == candidate.session
    paired = (
        interleaved and len(base.trial_starts) >= 3 and base.trial_starts == candidate.trial_starts
    )
    floor = _floor(base, options)
    names = _names(base, candidate)
    family = len(names) * len(METRICS)
    tests: list[MetricTest] = []
    for name in names:
        a, b = _endpoint(base, name), _endpoint(candidate, name)
        assert a is not None and b is not None
        for metric in METRICS:
            if metric == "error_rate":
                tests.append(
                    test_error_rate(name, (a.errors, a.count), (b.errors, b.count), options)
                )
                continue
            sa = _sample(a, metric, trials=interleaved)
            sb = _sample(b, metric, trials=interleaved)
            gap = a.origin or b.origin
            noise = estimate_noise(
                metric,
                sa,
                sb,
                interleaved=interleaved,
                paired=paired,
                history=history_spread(_history_values(history, name, metric), options.min_history),
                min_history=options.min_history,
            )
            cut = floor if metric in LATENCY_METRICS else None
            test = test_metric(name, metric, sa, sb, noise, family=family, options=options,
                               floor=cut)  # fmt: skip
            if gap is not None and test.change is None:  # a tool's summary lacks the figure
                test = replace(test, unavailable=f"not available from {gap}")
            tests.append(test)
    return tests


def _assemble(
    base_id: str,
    candidate_id: str,
    tests: list[MetricTest],
    options: CompareOptions,
    notes: list[str],
) -> Comparison:
    decision = decide(tests, options)
    by_endpoint: dict[str, dict[str, MetricVerdict]] = {}
    for v in decision.verdicts:
        by_endpoint.setdefault(v.test.endpoint, {})[v.test.metric] = v
    sources = sorted(
        {v.test.noise.source for v in decision.verdicts if v.test.noise is not None} - {"counts"}
    )
    endpoints = [EndpointComparison(n, m) for n, m in by_endpoint.items()]
    return Comparison(
        base_id,
        candidate_id,
        options,
        endpoints[0],
        endpoints[1:],
        " + ".join(sources) or "none",
        [*notes, *decision.notes],
    )


def compare_runs(
    base: RunData,
    candidate: RunData,
    options: CompareOptions | None = None,
    *,
    history: Iterable[RunData] = (),
    force: bool = False,
) -> Comparison:
    """Compare ``candidate`` with ``base``; comparable runs of ``history`` give the noise.

    Raises `InputError` for runs of different targets or scenarios (unless ``force``)."""
    opts = options or CompareOptions()
    opts.validate()
    if not force:
        check_comparable(base, candidate)
    notes: list[str] = []
    if base.load != candidate.load:
        notes.append(f"load settings differ: {dict(base.load)} vs {dict(candidate.load)}")
    for run in (base, candidate):
        if run.origin is not None:
            notes.append(
                f"run {run.run_id} is {run.origin}: what is not in it is not available from "
                f"{run.origin}, and its figures are judged as one run's"
            )
    for name in base.endpoints:
        if name not in candidate.endpoints:
            notes.append(f"endpoint {name} is only in the base run {base.run_id}")
    for name in candidate.endpoints:
        if name not in base.endpoints:
            notes.append(f"endpoint {name} is only in the candidate run {candidate.run_id}")
    earlier = comparable_history(history, base, exclude=[candidate.run_id])
    tests = _pair_tests(base, candidate, earlier, opts)
    return _assemble(base.run_id, candidate.run_id, tests, opts, notes)


def _current_level(values: list[float]) -> list[float]:
    """The values since the last change point of the series (an accepted step becomes the
    new normal instead of widening the spread forever)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size < 3 or not (x > 0).all():
        return values
    points = detect_change_points(np.log(x))
    return values[points[-1].index :] if points else values


def compare_to_history(
    candidate: RunData, history: Iterable[RunData], options: CompareOptions | None = None
) -> Comparison:
    """The history gate: the candidate against the current level of its earlier comparable
    runs, each earlier run one observation (a prediction interval for one new run)."""
    opts = options or CompareOptions()
    opts.validate()
    earlier = [
        r for r in comparable_history(history, candidate) if r.started_at < candidate.started_at
    ]
    names = [OVERALL, *candidate.endpoints]
    floor = _floor(candidate, opts)
    family = len(names) * len(METRICS)
    tests: list[MetricTest] = []
    for name in names:
        ep = _endpoint(candidate, name)
        assert ep is not None
        for metric in METRICS:
            past = _history_values(earlier, name, metric)
            if metric == "error_rate":
                runs = [e for r in earlier if (e := _endpoint(r, name)) is not None]
                pooled = (sum(e.errors for e in runs), sum(e.count for e in runs))
                tests.append(test_error_rate(name, pooled, (ep.errors, ep.count), opts))
                continue
            level = _current_level(past)
            base = Sample(tuple(level))
            cand = Sample((ep.value(metric, prefer_summary=True),))
            noise = None
            if len(level) >= opts.min_history:
                noise = estimate_noise(
                    metric,
                    base,
                    cand,
                    interleaved=False,
                    base_is_history=True,
                    min_history=opts.min_history,
                )
            cut = floor if metric in LATENCY_METRICS else None
            tests.append(
                test_metric(name, metric, base, cand, noise, family=family, options=opts, floor=cut)
            )
    notes = []
    if len(earlier) < opts.min_history:
        notes.append(
            f"{len(earlier)} comparable earlier runs; at least {opts.min_history} are needed "
            "for a verdict from the history"
        )
    return _assemble(f"history ({len(earlier)} runs)", candidate.run_id, tests, opts, notes)
