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
from perfkit.analysis.indexed import compare_entries, full_run, gate_history
from perfkit.analysis.indexed_trends import indexed_trends
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
from perfkit.profiling.profile import profile_path_for
from perfkit.profiling.regressions import ProfileFindings, profile_findings, regressed_routes
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry
from perfkit.runs.names import comparable

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


def _regressions(result: Comparison, found: ProfileFindings) -> list[RegressedEndpoint]:
    """The endpoints the outcome blames, each with its profile line when both runs kept one."""
    lines = {r.endpoint: r for r in found.routes}
    return [
        RegressedEndpoint(
            endpoint=e.endpoint,
            metrics=[name for name, m in e.metrics.items() if m.verdict == "regressed"],
            route=lines[e.endpoint].route if e.endpoint in lines else None,
            profile=lines[e.endpoint].summary() if e.endpoint in lines else None,
        )
        for e in result.endpoints
        if e.endpoint in regressed_routes(result)
    ]


def _compare_result(
    result: Comparison, warnings: list[str], found: ProfileFindings
) -> CompareResult:
    """The answer; ``comparison`` is what ``perfkit compare --json`` prints (with its
    ``profiles``)."""
    data = {**result.to_dict(), "profiles": found.to_list()}
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
        regressions=_regressions(result, found),
        notes=[*warnings, *result.notes, *(f"profile: {n}" for n in found.notes)],
        comparison=data,
    )


def _findings(result: Comparison, pair: tuple[RunEntry, RunEntry] | None) -> ProfileFindings:
    """What the profiles kept with ``pair`` (base, candidate) say; the runs are decoded only
    when the outcome blames a route."""
    if pair is None or not regressed_routes(result):
        return ProfileFindings()
    return profile_findings(result, full_run(pair[0]), full_run(pair[1]))


def _gate_pair(stored: list[RunEntry]) -> tuple[RunEntry, RunEntry] | None:
    """The gated run and, as its base, the newest earlier comparable run that kept a profile
    (the history's level has no profile of its own), as ``perfkit trends --gate`` takes them."""
    like = [e for e in stored if comparable(e, stored[-1])]
    if not profile_path_for(like[-1].path).is_file():
        return None
    base = next((e for e in reversed(like[:-1]) if profile_path_for(e.path).is_file()), None)
    return None if base is None else (base, like[-1])


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
            found = _findings(result, (pair.base, pair.candidate))
            return guard.clean(_compare_result(result, pair.warnings, found))

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
            options = _options(config, None)
            every = indexed_trends(catalog, stored, chosen, min_magnitude=options.threshold)
            _check_endpoints({t.endpoint for t in every}, endpoints)
            found = [t for t in every if not endpoints or t.endpoint in endpoints]
            commits = {e.run_id: e.commit for e in stored}
            verdict = gate_run(*gate_history(catalog, stored), options) if gate else None
            return guard.clean(
                TrendsResult(
                    runs=len(stored),
                    trends=[_trend_item(trend, commits) for trend in found],
                    gate=None
                    if verdict is None
                    else _compare_result(verdict, [], _findings(verdict, _gate_pair(stored))),
                )
            )
