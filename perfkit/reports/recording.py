"""Record one baseline for the notebooks and the sample history: `record_baseline(...)`.

A thin layer over `perfkit.loadgen.baseline`: it builds the plan from plain values (what a
notebook parameter or a script argument holds) and can relabel the run's target. The
label matters: runs are compared only with runs of the same target label, and the
reference service gets a new port every time, so `perfkit report` runs it under the
stable label ``reference-service`` whatever URL it was served on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from perfkit.errors import InputError, PerfkitError
from perfkit.loadgen.baseline import RunPlan, execute
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import default_scenario_path, load_scenario
from perfkit.loadgen.smoke import load_thresholds
from perfkit.runs.artifacts import ArtifactPaths, write_run
from perfkit.runs.model import Kind, Run

_OPEN_MODEL_IN_FLIGHT = 1000


@dataclass(frozen=True)
class BaselineSpec:
    """What a baseline measures; ``rate > 0`` selects the open model.

    ``target`` empty: the reference service on an embedded Redis, started for the run.
    ``label`` empty: the run is labelled with its URL (or ``reference-service``).
    """

    target: str = ""
    label: str = ""
    scenario: str = ""
    duration: float = 3.0
    concurrency: int = 10
    rate: float = 0.0
    warmup: float = 1.0
    kind: str = "baseline"
    thresholds: str = ""
    samples: bool = True

    def load(self) -> LoadConfig:
        open_model = self.rate > 0
        if self.rate < 0:
            raise InputError(f"rate must be >= 0 requests/s (got {self.rate:g}; 0 = closed)")
        config = LoadConfig(
            model="open" if open_model else "closed",
            concurrency=_OPEN_MODEL_IN_FLIGHT if open_model else self.concurrency,
            rate=self.rate if open_model else None,
            duration_s=self.duration,
            warmup_s=self.warmup,
            keep_samples=self.samples,
        )
        config.validate()
        return config

    def plan(self) -> RunPlan:
        if self.kind not in ("baseline", "smoke"):
            raise InputError(f"kind must be baseline or smoke (got {self.kind!r})")
        kind: Kind = "smoke" if self.kind == "smoke" else "baseline"
        return RunPlan(
            scenario=load_scenario(
                Path(self.scenario) if self.scenario else default_scenario_path()
            ),
            load=self.load(),
            target_url=self.target or None,
            thresholds=load_thresholds(Path(self.thresholds) if self.thresholds else None),
            kind=kind,
        )


def record_baseline(spec: BaselineSpec, out_dir: Path) -> ArtifactPaths:
    """Run `spec` and write its artifacts into `out_dir` (nothing is written on failure)."""
    plan = spec.plan()
    run, samples = execute(plan)
    if spec.label:
        run = dataclasses.replace(run, target=spec.label)
    return write_run(run, out_dir, samples)


class SmokeFailed(PerfkitError):
    """The run's smoke verdict failed (raised only when the caller requires a pass)."""


def require_smoke_pass(run: Run) -> None:
    """Raise `SmokeFailed` naming the failed criteria, so a CI notebook run fails."""
    if run.smoke is None or run.smoke.passed:
        return
    failed = ", ".join(f"{c.name} {c.measured:g} {c.unit} > {c.limit:g}" for c in run.smoke.criteria
                       if not c.passed)  # fmt: skip
    raise SmokeFailed(f"smoke test failed: {failed}")
