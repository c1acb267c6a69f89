"""The structured output of each tool: its JSON schema is the tool's ``outputSchema``.

Fields the analysis owns (a comparison, a trend's change point, the analytics report)
are passed through as objects, so the tools follow `perfkit.analysis` when its result
grows; the fields named here are the ones an assistant reads first.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from perfkit.analysis.comparison import Outcome
from perfkit.runs.history import StoredRun

JSON = dict[str, Any]


class RunSummary(BaseModel):
    run_id: str
    kind: str
    started_at: str
    target: str
    scenario: str
    file: str
    resource: str = Field(description="URI of the run's JSON document")
    summary_resource: str = Field(description="URI of the run's Markdown summary")
    git_commit: str | None
    requests: int
    throughput_rps: float
    error_rate: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    health_score: float | None
    smoke_passed: bool | None


def run_summary(stored: StoredRun) -> RunSummary:
    run = stored.run
    latency = run.overall.latency
    return RunSummary(
        run_id=run.run_id,
        kind=run.kind,
        started_at=run.started_at.isoformat(),
        target=run.target,
        scenario=run.scenario,
        file=stored.path.name,
        resource=f"perfkit://runs/{run.run_id}/json",
        summary_resource=f"perfkit://runs/{run.run_id}/summary",
        git_commit=run.environment.git_commit,
        requests=run.overall.count,
        throughput_rps=run.overall.throughput_rps,
        error_rate=run.overall.error_rate,
        p50_ms=latency.p50_ms,
        p95_ms=latency.p95_ms,
        p99_ms=latency.p99_ms,
        health_score=run.health_score,
        smoke_passed=None if run.smoke is None else run.smoke.passed,
    )


class SkippedFile(BaseModel):
    file: str
    reason: str


class RunList(BaseModel):
    history: str
    total: int = Field(description="runs matching the filters; `runs` holds the newest `limit`")
    runs: list[RunSummary] = Field(description="newest first")
    skipped: list[SkippedFile] = Field(description="files in the folder that are not runs")


class MovedMetric(BaseModel):
    endpoint: str
    metric: str
    verdict: str
    change: float | None = Field(description="relative change, candidate / base - 1")
    detail: JSON = Field(description="the metric as perfkit.analysis reports it: evidence etc.")


class RegressedEndpoint(BaseModel):
    endpoint: str
    metrics: list[str] = Field(description="its metrics whose verdict is regressed")
    route: str | None = Field(
        description="the route that served it in the profiles (method and template)"
    )
    profile: str | None = Field(
        description="what the CPU profiles kept with the two runs say: the route's change in "
        "CPU ms per request and the function that holds it; None when a run has no profile"
    )


class CompareResult(BaseModel):
    base: str
    candidate: str
    outcome: Outcome = Field(
        description="the answer (what `perfkit compare` exits by): 'environment changed' means "
        "re-run, the machine moved and the code is not blamed; 'not enough history' means "
        "too few comparable runs to judge any latency"
    )
    headline: str = Field(description="the answer and what moved, in one line")
    verdict: Literal["regressed", "improved", "unchanged"] = Field(
        description="what the metrics' tests found, before the testbed rule"
    )
    regressed: bool
    evidence: str = Field(
        description="the noise between runs: interleaved trials, history, or prior (weak)"
    )
    history_runs: int = Field(description="comparable runs whose spread was the noise (0: none)")
    weak: bool = Field(description="true when no trials or history backed the verdict")
    environment: list[str] = Field(
        description="the testbed rule's findings (another testbed, every endpoint moved "
        "alike, a candidate far noisier than its history)"
    )
    moved: list[MovedMetric] = Field(description="every metric whose verdict is not unchanged")
    regressions: list[RegressedEndpoint] = Field(
        description="the endpoints the outcome blames (none unless it is 'regressed'), each "
        "with its profile line"
    )
    notes: list[str]
    comparison: JSON = Field(description="the whole comparison, as `perfkit compare --json`")


class ChangePointItem(BaseModel):
    run_id: str
    started_at: str
    git_commit: str | None = Field(description="the commit of the first run at the new level")
    change: float | None
    detail: JSON


class TrendItem(BaseModel):
    endpoint: str
    metric: str
    runs: int
    change_points: list[ChangePointItem]


class TrendsResult(BaseModel):
    runs: int
    trends: list[TrendItem]
    gate: CompareResult | None = Field(
        description="with gate=true: the latest run against the history, as compare_runs "
        "answers (no profile: the base is the history, not one run)"
    )


class HealthReport(BaseModel):
    source: Literal["run", "live"]
    status: str
    health_score: float
    headline: str
    report: JSON = Field(description="the analytics report, as `perfkit analytics --json`")


class BaselineResult(BaseModel):
    run: RunSummary
    json_file: str
    summary_file: str
    smoke: JSON | None
    health: JSON | None
    warnings: list[str]


class ServiceDocument(BaseModel):
    source: Literal["live", "redis"]
    address: str = Field(description="the service URL or the Redis URL, password masked")
    document: JSON
