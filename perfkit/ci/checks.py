"""Checks: the one shape JUnit and the summary are built from, and the adapters that make
it from a smoke verdict and from a comparison.

The comparison adapter reads the public result of `perfkit.analysis.compare_runs` as its
``to_dict()`` gives it (base, candidate, regressed, overall and endpoints with their
metrics), so the verdict stays the analysis package's alone: this module only reports it.
A regressed route's profile line (``profiles``, added by the commands when both runs kept
a profile: `perfkit.profiling.regressions`) becomes a fact under the verdict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perfkit.runs.model import Run


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    message: str  # the measured value against its limit, or what moved and why
    moved: bool = False  # a comparison metric that changed (either way): the summary lists it


@dataclass(frozen=True)
class Outcome:
    """A smoke run or a comparison, as CI reports it."""

    suite: str  # "smoke" | "compare"
    title: str
    passed: bool
    checks: list[Check]
    health_score: float | None = None
    facts: list[str] = field(default_factory=list)  # lines under the verdict

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def smoke_outcome(run: Run) -> Outcome:
    """One check per smoke criterion of ``run`` (its smoke verdict must be set)."""
    if run.smoke is None:
        raise ValueError(f"run {run.run_id} has no smoke verdict")
    checks = [
        Check(c.name, c.passed, f"measured {c.measured:g} {c.unit}, limit {c.limit:g} {c.unit}"
              + (f" ({c.detail})" if c.detail else ""))
        for c in run.smoke.criteria
    ]  # fmt: skip
    o = run.overall
    latency = o.latency
    facts = [
        f"run `{run.run_id}` against {run.target}, scenario {run.scenario}",
        f"{o.count} requests, {o.throughput_rps:.1f} req/s, errors {o.error_rate:.2%}, "
        f"p50 {_ms(latency.p50_ms)}, p95 {_ms(latency.p95_ms)}, p99 {_ms(latency.p99_ms)}",
    ]
    env = run.environment
    if env.git_commit:
        facts.append(
            f"commit `{env.git_commit}`" + (f" on {env.git_branch}" if env.git_branch else "")
        )
    return Outcome("smoke", f"perfkit {run.kind}", run.smoke.passed, checks,
                   run.health_score, facts)  # fmt: skip


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _num(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) else "-"


def _metric_check(endpoint: str, name: str, metric: Mapping[str, Any]) -> Check:
    verdict = str(metric.get("verdict", "unchanged"))
    change = metric.get("change")
    moved = f" ({change:+.1%})" if isinstance(change, int | float) else ""
    message = (f"{verdict}: {_num(metric.get('base'))} -> {_num(metric.get('candidate'))}{moved}"
               + (f"; {metric['reason']}" if metric.get("reason") else ""))  # fmt: skip
    return Check(f"{endpoint} {name}", verdict != "regressed", message, verdict != "unchanged")


def comparison_outcome(result: Mapping[str, Any], health_score: float | None = None) -> Outcome:
    """One check per endpoint metric of a comparison; a regressed metric fails. When the
    environment changed (``outcome``), the metrics that moved are not blamed: one
    ``environment`` check fails instead, with the testbed rule's reasons."""
    endpoints = [result["overall"], *result["endpoints"]]
    checks = [
        _metric_check(str(e["endpoint"]), str(name), metric)
        for e in endpoints
        for name, metric in e["metrics"].items()
    ]
    outcome = result.get("outcome", result["verdict"])
    if outcome == "environment changed":
        reasons = (result.get("environment") or {}).get("reasons") or ["the machine moved"]
        checks = [dataclasses.replace(c, passed=True) for c in checks]
        checks.insert(0, Check("environment", False, "environment changed, re-run: "
                               + "; ".join(reasons)))  # fmt: skip
    facts = [str(result["headline"])] if result.get("headline") else []
    facts.append(f"base `{result['base']}` -> candidate `{result['candidate']}`")
    if isinstance(result.get("threshold"), int | float):
        facts[-1] += f", practical threshold {result['threshold']:.0%}"
    if result.get("evidence"):
        facts[-1] += f", evidence: {result['evidence']}" + (" (weak)" if result.get("weak") else "")
    facts += [f"note: {note}" for note in result.get("notes", [])]
    facts += [f"profile: {p['summary']}" for p in result.get("profiles") or []]
    passed = outcome not in ("regressed", "environment changed")
    return Outcome("compare", "perfkit compare", passed, checks, health_score,
                   facts)  # fmt: skip
