"""A whole run: check the target, snapshot it, load it, judge it, build the `Run`.

`execute(plan)` does no writing; `run_and_write(plan, out_dir)` writes the artifacts only
after the run succeeded, so bad input or an unreachable target leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa

from perfkit.analysis.adapt import run_data
from perfkit.analysis.report import analytics_from_run
from perfkit.errors import InputError
from perfkit.live import CACHE_STATS, PERFORMANCE, REDIS_HEALTH, optional_document
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.generators import generator_for
from perfkit.loadgen.local_target import REFERENCE_LABEL, reference_target
from perfkit.loadgen.runner import LoadConfig, LoadResult
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.smoke import Thresholds, evaluate
from perfkit.loadgen.trials import merge_trials, trial_samples
from perfkit.loadgen.worker import Snapshot
from perfkit.runs.artifacts import DEFAULT_DIR, ArtifactPaths, write_run
from perfkit.runs.environment import capture_environment
from perfkit.runs.model import Environment, Kind, Run, RunSource

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
    repeat: int = 1  # trials, kept apart in the run (the verdict's run-level noise)
    base_target_url: str | None = None  # interleave trials with this build (the base)
    target_label: str | None = None  # the label runs are compared by (default: the URL)

    def validate(self) -> None:
        self.load.validate()
        if self.repeat < 1:
            raise InputError(f"--repeat must be at least 1, got {self.repeat}")
        if self.base_target_url is not None and self.target_url is None:
            raise InputError("--base-target needs --target: the two builds to interleave")
        if self.target_label is not None and not self.target_label.strip():
            raise InputError("--target-label must not be empty")


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
    url: str, path: str = PERFORMANCE, headers: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """`GET <path>` as a JSON object, or None when the target has no such route."""
    with httpx.Client(headers=headers, timeout=_PROBE_TIMEOUT_S) as client:
        return optional_document(client, f"{url}{path}")


@contextlib.contextmanager
def _target(plan: RunPlan, headers: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    if plan.target_url is not None:
        url = check_target(plan.target_url, headers)
        yield url, plan.target_label or url
    else:
        with reference_target() as url:
            yield url, plan.target_label or REFERENCE_LABEL


@dataclass
class Side:
    """One target of a session: its URL, label and the results of its trials (and the
    environment to record when it is not this checkout's, e.g. a build of another commit)."""

    url: str
    label: str
    before: dict[str, Any] | None
    results: list[LoadResult] = field(default_factory=list)
    environment: Environment | None = None


def execute(
    plan: RunPlan, progress: Callable[[Snapshot], None] | None = None
) -> tuple[Run, pa.Table | None]:
    """Run the plan; returns the run and its per-request samples (when kept)."""
    return execute_session(plan, progress)[-1]


def execute_session(
    plan: RunPlan, progress: Callable[[Snapshot], None] | None = None
) -> list[tuple[Run, pa.Table | None]]:
    """Run the plan's trials: the candidate's run, preceded by the base's when the plan
    interleaves two builds."""
    plan.validate()
    options = plan.options or HttpOptions(timeout_s=plan.load.timeout_s)
    generator_for(plan.load.engine).check(plan.load, options)
    with contextlib.ExitStack() as stack:
        url, label = stack.enter_context(_target(plan, options.headers))
        urls = [url]
        if plan.base_target_url is not None:
            urls.insert(0, check_target(plan.base_target_url, options.headers))
        return interleave(plan, urls, label, progress)


def interleave(
    plan: RunPlan,
    urls: Sequence[str],
    label: str,
    progress: Callable[[Snapshot], None] | None = None,
) -> list[tuple[Run, pa.Table | None]]:
    """``plan.repeat`` trials against each of ``urls`` (already checked), one run each.

    Each round rotates the order (AB, BA, AB, ... for two), so no build always goes first
    and a drift of the machine falls on every build alike; the runs share a session id,
    which tells the verdict their trials are paired."""
    options = plan.options or HttpOptions(timeout_s=plan.load.timeout_s)
    generator = generator_for(plan.load.engine)
    sides = [Side(url, label, fetch_json(url, headers=options.headers)) for url in urls]
    for trial in range(plan.repeat):
        shift = trial % len(sides)
        for side in sides[shift:] + sides[:shift]:
            side.results.append(
                generator.run(side.url, plan.scenario, plan.load, options, progress)
            )
    return session_runs(plan, sides, generator.tool)


def session_runs(
    plan: RunPlan, sides: Sequence[Side], tool: str
) -> list[tuple[Run, pa.Table | None]]:
    """One run per side from its trials' results, with the target's documents fetched after
    the load; two or more sides share a session id (their trials are paired)."""
    headers = (plan.options or HttpOptions(timeout_s=plan.load.timeout_s)).headers
    environment = capture_environment()
    extras = [
        (fetch_json(s.url, headers=headers), fetch_json(s.url, CACHE_STATS, headers),
         fetch_json(s.url, REDIS_HEALTH, headers))
        for s in sides
    ]  # fmt: skip
    session = uuid.uuid4().hex[:12] if len(sides) > 1 else None
    return [
        _build(plan, side, after, side.environment or environment, session=session, tool=tool)
        for side, after in zip(sides, extras, strict=True)
    ]


def _build(
    plan: RunPlan,
    side: Side,
    after: tuple[dict[str, Any] | None, ...],
    environment: Environment,
    *,
    session: str | None,
    tool: str,
) -> tuple[Run, pa.Table | None]:
    result, trials = merge_trials(side.results)
    names = [e.name for e in plan.scenario.endpoints]
    samples = trial_samples(side.results, names) if plan.load.keep_samples else None
    run = Run(
        run_id=f"{result.started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        kind=plan.kind,
        started_at=result.started_at,
        finished_at=result.finished_at,
        target=side.label,
        target_url=side.url,
        scenario=plan.scenario.name,
        load=plan.load.settings(),
        environment=environment,
        generator=result.generator,
        overall=result.overall,
        endpoints=result.endpoints,
        smoke=evaluate(plan.thresholds, result.overall, result.endpoints),
        server_before=side.before,
        server_after=after[0],
        server_cache=after[1],
        server_redis=after[2],
        warnings=result.warnings,
        trials=trials,
        session=session,
        source=RunSource(tool=tool),
    )
    return replace(run, health=run_health(run, samples)), samples


def run_health(run: Run, samples: pa.Table | None) -> dict[str, Any]:
    """The health score of a run (with Apdex and error budget), as the analysis computes it."""
    report = analytics_from_run(run_data(run, samples), now=run.finished_at)
    health: dict[str, Any] = report["sections"]["health"]
    return health


def write_session(
    plan: RunPlan,
    out_dir: Path = DEFAULT_DIR,
    progress: Callable[[Snapshot], None] | None = None,
) -> list[ArtifactPaths]:
    """Run the plan and write its runs (the base's first when it has one), only after every
    trial succeeded."""
    return [write_run(run, out_dir, samples) for run, samples in execute_session(plan, progress)]


def run_and_write(
    plan: RunPlan,
    out_dir: Path = DEFAULT_DIR,
    progress: Callable[[Snapshot], None] | None = None,
) -> ArtifactPaths:
    """`write_session`, returning where the candidate's run went."""
    return write_session(plan, out_dir, progress)[-1]
