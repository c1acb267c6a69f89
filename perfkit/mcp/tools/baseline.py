"""``run_baseline``: a bounded load run, written into the server's first history folder.

Only against the reference service (started privately for the run, always allowed) or a
target on the operator's allow-list, never longer, wider or faster than the server's
maximums, and one at a time. It calls `perfkit.loadgen.baseline.run_and_write` as
``perfkit baseline`` does.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from mcp.server import MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from perfkit.errors import InputError
from perfkit.loadgen.baseline import RunPlan, run_and_write
from perfkit.loadgen.engines import DEFAULT_ENGINE
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import default_scenario_path, load_scenario
from perfkit.mcp.config import McpConfig
from perfkit.mcp.context import ServerContext
from perfkit.mcp.models import BaselineResult, run_summary
from perfkit.runs.artifacts import ArtifactPaths
from perfkit.runs.history import StoredRun

_WARMUP_S = 1.0
_TIMEOUT_S = 10.0
_DEFAULT_DURATION_S = 5.0
_DEFAULT_CONCURRENCY = 4


def _check_bounds(
    config: McpConfig, duration_s: float, concurrency: int, rate: float | None
) -> None:
    for name, value, limit in (
        ("duration_s", duration_s, config.max_duration_s),
        ("concurrency", concurrency, config.max_concurrency),
        ("rate", rate or 0.0, config.max_rate),
    ):
        if value > limit:
            raise InputError(f"{name} {value:g} is above the server's maximum of {limit:g}")


def _scenarios() -> dict[str, Path]:
    """The scenarios shipped beside the default one, by name."""
    folder = default_scenario_path().parent
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def _plan(config: McpConfig, scenario: str, url: str | None, *, duration_s: float,
          concurrency: int, rate: float | None) -> RunPlan:  # fmt: skip
    """The run of the named scenario; `InputError` for an unknown name or bad settings."""
    known = _scenarios()
    if scenario not in known:
        raise InputError(f"unknown scenario {scenario!r} (known: {', '.join(known)})")
    load = LoadConfig(
        model="open" if rate is not None else "closed",
        concurrency=concurrency,
        rate=rate,
        duration_s=duration_s,
        warmup_s=_WARMUP_S,
        timeout_s=_TIMEOUT_S,
        engine=config.settings.env_text("PERFKIT_LOADGEN_ENGINE", DEFAULT_ENGINE),
    )
    load.validate()
    return RunPlan(load_scenario(known[scenario]), load, target_url=url)


def _result(written: ArtifactPaths) -> BaselineResult:
    run = written.run
    return BaselineResult(
        run=run_summary(StoredRun(written.json, run)),
        json_file=str(written.json),
        summary_file=str(written.summary),
        smoke=None if run.smoke is None else run.smoke.to_dict(),
        health=run.health,
        warnings=list(run.warnings),
    )


def register(server: MCPServer, ctx: ServerContext) -> None:
    config, guard = ctx.config, ctx.guard
    running = threading.Lock()
    default_duration = min(_DEFAULT_DURATION_S, config.max_duration_s)
    default_concurrency = min(_DEFAULT_CONCURRENCY, config.max_concurrency)
    limits = (
        f"at most {config.max_duration_s:g} s, {config.max_concurrency} users and "
        f"{config.max_rate:g} requests/s"
    )

    @server.tool(
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, open_world_hint=True
        ),
        description=(
            "Record a baseline run: load a target with a scenario and write the run into the "
            "history. Without a target, a private reference service is started for the run; "
            f"other targets must be on the server's allow-list. Bounded by the server: {limits}."
        ),
    )
    def run_baseline(
        *,
        target: Annotated[
            str | None, Field(description="base URL on the allow-list; none: the reference service")
        ] = None,
        scenario: Annotated[str, Field(description="a scenario name")] = "default",
        duration_s: Annotated[
            float, Field(gt=0, description="seconds measured")
        ] = default_duration,
        concurrency: Annotated[
            int, Field(ge=1, description="users (closed model)")
        ] = default_concurrency,
        rate: Annotated[
            float | None, Field(gt=0, description="open model: requests per second")
        ] = None,
    ) -> BaselineResult:
        with guard.tool():
            _check_bounds(config, duration_s, concurrency, rate)
            url = None if target is None else config.allowed_target(target)
            plan = _plan(
                config, scenario, url, duration_s=duration_s, concurrency=concurrency, rate=rate
            )
            if not running.acquire(blocking=False):
                raise InputError("a baseline run is already in progress; try again when it ends")
            try:
                written = run_and_write(plan, config.history_dirs[0])
            finally:
                running.release()
            return guard.clean(_result(written))
