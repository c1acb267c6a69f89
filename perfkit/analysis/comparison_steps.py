"""The steps both comparisons share (`perfkit.analysis.compare`'s pair of runs and
`perfkit.analysis.history_gate`'s run against its history): the comparable earlier runs,
each side's sample of a metric, and the tests decided and assembled into a `Comparison`
with the testbed rule applied (`perfkit.analysis.testbed`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from perfkit.analysis.comparison import OVERALL, Comparison, EndpointComparison
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.testbed import check_environment
from perfkit.analysis.verdict import (
    CompareOptions,
    MetricTest,
    MetricVerdict,
    Sample,
    block_sd,
    decide,
    own_spread,
)
from perfkit.machine import Testbed

#: how many earlier runs of the current level the history gate and the noise look at
HISTORY_WINDOW = 30


def comparable_history(
    history: Iterable[RunData], like: RunData, exclude: Iterable[str] = ()
) -> list[RunData]:
    """Runs of ``history`` that measured what ``like`` did, the same way, on the same
    testbed, oldest first (a run whose testbed is unknown matches any)."""
    skip = set(exclude) | {like.run_id}
    key = like.comparable_key()
    found = [r for r in history if r.run_id not in skip and r.comparable_key() == key
             and same_testbed(r.testbed, like.testbed)]  # fmt: skip
    return sorted(found, key=lambda r: (r.started_at, r.run_id))[-HISTORY_WINDOW:]


def same_testbed(a: Testbed | None, b: Testbed | None) -> bool:
    return a is None or b is None or not a.differences(b)


def endpoint_of(run: RunData, name: str) -> EndpointData | None:
    return run.overall if name == OVERALL else run.endpoints.get(name)


def metric_sample(ep: EndpointData, metric: str, *, trials: bool, summary: bool = False) -> Sample:
    """One side of a metric: its trials when they are paired (``trials``), else the run's
    value with the run's own spread (between its trials, else its time blocks), which the
    history and the prior use as a floor of the noise."""
    values = ep.trials.get(metric) if trials else None
    if values:
        return Sample(tuple(values))
    spreads = [own_spread(ep.trials.get(metric, ()))]
    if ep.latencies_ms is not None and ep.latency_times_s is not None:
        spreads.append(block_sd(ep.latencies_ms, ep.latency_times_s, metric))
    known = [x for x in spreads if x is not None]
    return Sample((ep.value(metric, prefer_summary=summary),), max(known) if known else None)


def history_values(history: Sequence[RunData], name: str, metric: str) -> list[float]:
    return [
        e.value(metric, prefer_summary=True)
        for run in history
        if (e := endpoint_of(run, name)) is not None
    ]


@dataclass(frozen=True)
class TestbedContext:
    """What the testbed rule needs beside the verdicts."""

    base: Testbed | None
    candidate: Testbed | None
    interleaved: bool
    noisier: float  # the candidate's own spread / the history's (median over metrics; >= 1)
    history_runs: int


def assemble(
    base_id: str,
    candidate_id: str,
    tests: list[MetricTest],
    options: CompareOptions,
    notes: list[str],
    *,
    context: TestbedContext,
) -> Comparison:
    decision = decide(tests, options)
    environment = check_environment(
        decision.verdicts, base=context.base, candidate=context.candidate,
        interleaved=context.interleaved, noisier=context.noisier, threshold=options.threshold,
    )  # fmt: skip
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
        [*notes, *environment.reasons, *decision.notes],
        environment,
        context.history_runs if "history" in sources else 0,
    )
