"""``list_runs``, ``compare_runs`` and ``trends``: the history store and the analysis over it.

Thin adapters: the history's index (`perfkit.runs.catalog`) lists and names the runs
(`perfkit.runs.names`, the CLI's meanings), `perfkit.analysis.indexed.compare_entries`
(the one verdict, with the history's comparable runs as the noise, reading two run
files), `trends` and `gate_run` decide, exactly as ``perfkit compare`` and ``perfkit
trends`` do. A comparison answers with its outcome first ("environment changed" asks for
a re-run instead of blaming the code) and, per regressed endpoint, what the CPU profiles
kept with the two runs say (`perfkit.profiling.regressions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from perfkit.analysis import CompareOptions, Comparison, Trend, gate_run
from perfkit.analysis.indexed import compare_entries, full_run, gate_history, indexed_trend_frame
from perfkit.analysis.trends import trends_of_frame
from perfkit.analysis.verdict_text import headline
from perfkit.errors import InputError
from perfkit.mcp.config import McpConfig
from perfkit.mcp.context import ServerContext
from perfkit.mcp.locate import catalog_of, find_pair
from perfkit.mcp.models import (
    ChangePointItem,
    CompareResult,
    MovedMetric,
    RegressedEndpoint,
    RunList,
    SkippedFile,
    TrendItem,
    TrendsResult,
    run_summary,
)
from perfkit.profiling.regressions import EndpointProfile, kept_profile, regression_profiles
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
Metric = Literal["p50", "p95", "p99", "mean", "throughput", "error_rate"]
HistoryFolder = Annotated[
    str | None, Field(description="a history folder of the server (default: its first)")
]
TargetLabel = Annotated[str | None, Field(description="only runs of this target label")]
ScenarioName = Annotated[str | None, Field(description="only runs of this scenario")]
RunRef = Annotated[
    str,
    Field(
        description="latest, previous (the last comparable baseline run before the candidate), "
        "latest@BRANCH, a run id, or a file name"
    ),
]


def _moved(comparison: dict[str, Any]) -> list[MovedMetric]:
    moved: list[MovedMetric] = []
    for endpoint in [comparison["overall"], *comparison["endpoints"]]:
        for name, metric in endpoint["metrics"].items():
            if metric["verdict"] != "unchanged":
                moved.append(
                    MovedMetric(
                        endpoint=endpoint["endpoint"],
                        metric=name,
                        verdict=metric["verdict"],
                        change=metric.get("change"),
                        detail=metric,
                    )
                )
    return moved


def _regressions(found: list[EndpointProfile]) -> list[RegressedEndpoint]:
    return [RegressedEndpoint(endpoint=e.endpoint, metrics=e.metrics, route=e.route,
                              profile=e.line) for e in found]  # fmt: skip


def _compare_result(
    result: Comparison, warnings: list[str], regressions: list[EndpointProfile]
) -> CompareResult:
    data = result.to_dict()
    return CompareResult(
        base=result.base_id,
        candidate=result.candidate_id,
        outcome=result.outcome,
        headline=headline(result),
        verdict=result.verdict,
        regressed=result.regressed,
        evidence=result.evidence,
        history_runs=result.history_runs,
        weak=result.weak,
        environment=[] if result.environment is None else result.environment.reasons,
        moved=_moved(data),
        regressions=_regressions(regressions),
        notes=[*warnings, *result.notes],
        comparison=data,
    )


def _requests(entry: RunEntry) -> dict[str, tuple[str, str]]:
    """Each endpoint of a run and the request (method, path) it made."""
    return {e.name: (e.method, e.path) for e in full_run(entry).run.endpoints}


def _profiled(
    result: Comparison, base: RunEntry, candidate: RunEntry
) -> tuple[list[EndpointProfile], list[str]]:
    """The regressed endpoints with the difference of the profiles kept beside the runs,
    and a note for a profile that cannot be read (the verdict stands without it)."""
    if not any(e.verdict == "regressed" for e in result.endpoints):
        return [], []
    profiles, notes = [], []
    for entry in (base, candidate):
        try:
            profiles.append(kept_profile(entry.path))
        except InputError as exc:
            profiles.append(None)
            notes.append(f"profile of run {entry.run_id} not used: {exc}")
    return regression_profiles(result, _requests(candidate), *profiles), notes


def _check_endpoints(names: Iterable[str], endpoints: list[str] | None) -> None:
    """`InputError` naming the first endpoint not among ``names`` (the runs' endpoints)."""
    known = {"overall", *names}
    unknown = sorted(set(endpoints or ()) - known)
    if unknown:
        raise InputError(f"unknown endpoint {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _trend_item(trend: Trend, commits: dict[str, str | None]) -> TrendItem:
    """One trend with the commit of the run at each change point."""
    points = trend.to_dict()["change_points"]
    assert isinstance(points, list)
    return TrendItem(
        endpoint=trend.endpoint,
        metric=trend.metric,
        runs=len(trend.run_ids),
        change_points=[
            ChangePointItem(
                run_id=p["run_id"],
                started_at=p["started_at"],
                git_commit=commits.get(p["run_id"]),
                change=p.get("change"),
                detail=p,
            )
            for p in points
        ],
    )


def _options(config: McpConfig, threshold: float | None) -> CompareOptions:
    """The verdict's options as `perfkit compare` and `perfkit trends` take them: the given
    threshold, else PERFKIT_REGRESSION_THRESHOLD (0.10)."""
    gate = threshold
    if gate is None:
        gate = config.settings.env_float("PERFKIT_REGRESSION_THRESHOLD", 0.10)
    options = CompareOptions(threshold=gate)
    options.validate()
    return options


def register(server: MCPServer, ctx: ServerContext) -> None:
    config, guard = ctx.config, ctx.guard

    @server.tool(annotations=READ_ONLY)
    def list_runs(
        history: HistoryFolder = None,
        target: TargetLabel = None,
        scenario: ScenarioName = None,
        limit: Annotated[int, Field(ge=1, le=1000, description="how many, newest first")] = 20,
    ) -> RunList:
        """The recorded runs of a history folder, newest first, with their headline figures."""
        with guard.tool():
            store = catalog_of(config, history, quiet=True)
            found = store.runs(target, scenario)
            return guard.clean(
                RunList(
                    history=str(store.folders[0]),
                    total=len(found),
                    runs=[run_summary(full_run(e)) for e in reversed(found[-limit:])],
                    skipped=[SkippedFile(file=p.name, reason=r) for p, r in store.skipped],
                )
            )

    @server.tool(name="compare_runs", annotations=READ_ONLY)
    def compare_runs_tool(
        *,
        base: RunRef = "previous",
        candidate: RunRef = "latest",
        threshold: Annotated[
            float | None,
            Field(gt=0, le=10, description="practical gate as a fraction (default 0.10)"),
        ] = None,
        history: HistoryFolder = None,
        target: TargetLabel = None,
        scenario: ScenarioName = None,
        force: Annotated[bool, Field(description="compare runs of different targets")] = False,
    ) -> CompareResult:
        """Did the candidate run get slower than the base, where, and on what evidence.

        The same verdict as ``perfkit compare``: per endpoint and metric, the change with its
        95 % interval, the verdict and why, and the smallest change the data could detect."""
        with guard.tool():
            catalog = catalog_of(config, history)
            pair = find_pair(config, base, candidate, catalog, target=target, scenario=scenario)
            options = _options(config, threshold)
            result = compare_entries(catalog, pair.base, pair.candidate, options, force=force)
            profiled, notes = _profiled(result, pair.base, pair.candidate)
            return guard.clean(_compare_result(result, [*pair.warnings, *notes], profiled))

    @server.tool(name="trends", annotations=READ_ONLY)
    def trends_tool(
        *,
        endpoints: Annotated[
            list[str] | None, Field(description="endpoints to trend (default: all, and overall)")
        ] = None,
        metrics: Annotated[
            list[Metric] | None, Field(description="default: p50, p95, p99, throughput, error_rate")
        ] = None,
        gate: Annotated[
            bool, Field(description="also test the latest run against the history")
        ] = False,
        history: HistoryFolder = None,
        target: TargetLabel = None,
        scenario: ScenarioName = None,
    ) -> TrendsResult:
        """Change points in each endpoint's metrics over the history, with the commit at each."""
        with guard.tool():
            catalog: Catalog = catalog_of(config, history)
            stored = catalog.baselines(target, scenario)
            if not stored:
                raise InputError(
                    f"no runs in {catalog.where}" + (f" for target {target!r}" if target else "")
                )
            chosen = list(metrics or ("p50", "p95", "p99", "throughput", "error_rate"))
            frame = indexed_trend_frame(catalog, stored, chosen)
            _check_endpoints(frame["endpoint"].unique(), endpoints)
            commits = {e.run_id: e.commit for e in stored}
            options = _options(config, None)
            found = trends_of_frame(frame, endpoints=endpoints, min_magnitude=options.threshold)
            verdict = gate_run(*gate_history(catalog, stored), options) if gate else None
            return guard.clean(
                TrendsResult(
                    runs=len(stored),
                    trends=[_trend_item(trend, commits) for trend in found],
                    gate=None
                    if verdict is None
                    else _compare_result(verdict, [], regression_profiles(verdict, {}, None, None)),
                )
            )
