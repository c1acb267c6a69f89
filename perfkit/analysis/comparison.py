"""The result of a comparison: per endpoint, a verdict for each metric, and the outcome.

``verdict`` and ``regressed`` say what the metrics' tests found; ``outcome`` is the answer
(the exit code follows it): the same, or "environment changed" when the testbed rule
(`perfkit.analysis.testbed`) says the machine, not the code, explains what moved, or "not
enough history" when the history gate had too few comparable runs to judge any latency
(only error counts were tested, and none moved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from perfkit.analysis.testbed import EnvironmentCheck
from perfkit.analysis.verdict import CompareOptions, MetricVerdict, Verdict
from perfkit.analysis.verdict_text import headline

OVERALL = "overall"
#: a comparison's answer: a metric verdict, "the machine moved, measure again", or "too few
#: runs to judge the latencies at all"
Outcome = Literal["regressed", "improved", "unchanged", "environment changed", "not enough history"]
#: the exit code of `perfkit compare` and `perfkit trends --gate` for each outcome
EXIT_CODES: dict[str, int] = {"unchanged": 0, "improved": 0, "regressed": 1,
                              "environment changed": 3, "not enough history": 0}  # fmt: skip


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
    environment: EnvironmentCheck | None = None  # the testbed rule's findings
    history_runs: int = 0  # comparable earlier runs whose spread was the noise
    #: the history gate's comparable earlier runs when fewer than it needs (no latency was
    #: judged), else None
    short_history: int | None = None

    @property
    def outcome(self) -> Outcome:
        """The answer: "environment changed" when the testbed rule says the machine, not
        the code, explains what moved; "not enough history" when the gate judged no latency
        and nothing else moved (`verdict` keeps what the metrics say)."""
        if self.environment is not None and self.environment.changed:
            return "environment changed"
        if self.short_history is not None and self.verdict == "unchanged":
            return "not enough history"
        return self.verdict

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

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
            "outcome": self.outcome,
            "headline": headline(self),
            "history_runs": self.history_runs,
            "environment": None if self.environment is None else self.environment.to_dict(),
        }
