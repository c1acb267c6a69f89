"""A whole run: check the target, snapshot it, load it, judge it, build the `Run`.

`execute(plan)` does no writing; `run_and_write(plan, out_dir)` writes the artifacts only
after the run succeeded, so bad input or an unreachable target leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa

from perfkit.analysis.adapt import run_data
from perfkit.analysis.report import analytics_from_run
from perfkit.errors import InputError
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.generators import generator_for
from perfkit.loadgen.local_target import REFERENCE_LABEL, reference_target
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.smoke import Thresholds, evaluate
from perfkit.loadgen.worker import Snapshot
from perfkit.runs.artifacts import DEFAULT_DIR, ArtifactPaths, write_run
from perfkit.runs.environment import capture_environment
from perfkit.runs.model import Kind, Run, RunSource
from perfkit.runs.samples import samples_table

_PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class RunPlan:
    """What to run; `target_url=None` means the reference service on an embedded Redis."""

    scenario: Scenario
    load: LoadConfig
    target_url: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    kind: Kind = "baseline"
    options: HttpOptions | None = None


def check_target(url: str, headers: Mapping[str, str] | None = None) -> str:
    """The URL without a trailing slash, once it answers HTTP; else one-line `InputError`."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(f"target {url!r} is not an http(s) URL")
    try:
        httpx.get(url, headers=headers, timeout=_PROBE_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise InputError(f"target {url} is unreachable: {exc or type(exc).__name__}") from None
    return url.rstrip("/")


def fetch_json(
    url: str, path: str = "/api/performance", headers: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """`GET <path>` as a JSON object, or None when the target has no such route."""
    try:
        response = httpx.get(f"{url}{path}", headers=headers, timeout=_PROBE_TIMEOUT_S)
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def _target(plan: RunPlan, headers: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    if plan.target_url is not None:
        url = check_target(plan.target_url, headers)
        yield url, url
    else:
        with reference_target() as url:
            yield url, REFERENCE_LABEL


def execute(
    plan: RunPlan, progress: Callable[[Snapshot], None] | None = None
) -> tuple[Run, pa.Table | None]:
    """Run the plan; returns the run and its per-request samples (when kept)."""
    plan.load.validate()
    options = plan.options or HttpOptions(timeout_s=plan.load.timeout_s)
    generator = generator_for(plan.load.engine)
    generator.check(plan.load, options)
    environment = capture_environment()
    headers = options.headers  # the probes are requests to the target like any other
    with _target(plan, headers) as (url, label):
        before = fetch_json(url, headers=headers)
        result = generator.run(url, plan.scenario, plan.load, options, progress)
        after = fetch_json(url, headers=headers)
        cache_stats = fetch_json(url, "/api/cache/stats", headers)
        redis_health = fetch_json(url, "/api/redis/health", headers)
    names = [e.name for e in plan.scenario.endpoints]
    samples = samples_table(result.samples, names) if plan.load.keep_samples else None
    run = Run(
        run_id=f"{result.started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        kind=plan.kind,
        started_at=result.started_at,
        finished_at=result.finished_at,
        target=label,
        target_url=url,
        scenario=plan.scenario.name,
        load=plan.load.settings(),
        environment=environment,
        generator=result.generator,
        overall=result.overall,
        endpoints=result.endpoints,
        smoke=evaluate(plan.thresholds, result.overall, result.endpoints),
        server_before=before,
        server_after=after,
        server_cache=cache_stats,
        server_redis=redis_health,
        warnings=result.warnings,
        source=RunSource(tool=generator.tool),
    )
    return replace(run, health=run_health(run, samples)), samples


def run_health(run: Run, samples: pa.Table | None) -> dict[str, Any]:
    """The health score of a run (with Apdex and error budget), as the analysis computes it."""
    report = analytics_from_run(run_data(run, samples), now=run.finished_at)
    health: dict[str, Any] = report["sections"]["health"]
    return health


def run_and_write(
    plan: RunPlan,
    out_dir: Path = DEFAULT_DIR,
    progress: Callable[[Snapshot], None] | None = None,
) -> ArtifactPaths:
    run, samples = execute(plan, progress)
    return write_run(run, out_dir, samples)
