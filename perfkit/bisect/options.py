"""`BisectOptions`: how hard each commit is measured and when the search gives up."""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.analysis.verdict import CompareOptions
from perfkit.bisect.trials import METRIC_FIELDS
from perfkit.errors import InputError
from perfkit.loadgen.scenario import Scenario


@dataclass(frozen=True)
class BisectOptions:
    endpoint: str | None = None  # the scenario endpoint judged; default: its first
    metric: str = "p50"  # or p95, p99, mean, cpu (see perfkit.bisect.trials)
    trials: int = 4  # per side, first round
    max_trials: int = 12  # per side, before a commit is skipped as unknown
    duration_s: float = 1.0  # per trial
    warmup_s: float = 0.3
    concurrency: int = 1
    max_steps: int = 12  # commits tried, BAD's confirmation not counted
    time_budget_s: float = 600.0
    threshold: float = 0.10  # the verdict's practical threshold (relative)

    def validate(self, scenario: Scenario) -> str:
        """The endpoint judged; `InputError` naming the first bad option."""
        if self.metric not in METRIC_FIELDS:
            raise InputError(f"--metric must be one of {', '.join(METRIC_FIELDS)}")
        if not 2 <= self.trials <= self.max_trials:
            raise InputError("--trials must be >= 2 and <= --max-trials")
        if self.max_steps < 1 or not self.time_budget_s > 0 or not self.duration_s > 0:
            raise InputError("--max-steps, --time-budget and --duration must be positive")
        if self.concurrency < 1 or self.warmup_s < 0:
            raise InputError("--concurrency must be >= 1 and --warmup >= 0")
        CompareOptions(threshold=self.threshold).validate()
        names = [e.name for e in scenario.endpoints]
        endpoint = self.endpoint or names[0]
        if endpoint not in names:
            raise InputError(f"--endpoint {endpoint!r} is not in the scenario ({', '.join(names)})")
        return endpoint
