"""Confirm before failing: a "regressed" from weak evidence is measured again before it fails.

A single run against a single run, or a run against the history, is judged on noise that
was not measured in this session; on a shared runner that cries wolf. When such a verdict
says "regressed", `confirm_regression` records both builds again as interleaved trials
(`perfkit.loadgen.baseline.interleave`: AB BA AB ..., one session) and decides on those,
as Chromium's Pinpoint and Mozilla's Perfherder re-run before they alert. The new verdict
replaces the first one, and its notes say so.

Each side is, in order of preference: its run's commit started from ``[service]``
(`perfkit.builds`), else its run's URL when it still answers (the base's only when it is
not the candidate's URL: one address serves one build). The time budget plans the
trials: ``TRIALS`` + ``TRIALS`` of equal length fill what is left after the builds'
start-up allowance; a budget too small for trials of ``MIN_TRIAL_S`` confirms nothing.
The two runs go into the history as kind ``"ab"``, so the decision can be read again;
builds perfkit starts run with ``PERFKIT_PROFILE=true``, and the profile each took is kept
beside its run (what the profile line after the confirmed verdict is drawn from).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfkit.builds.checkout import repository_root, resolve_commit
from perfkit.errors import InputError
from perfkit.loadgen.ab import BuildSpec, session_verdict, started
from perfkit.loadgen.baseline import RunPlan, check_target, interleave
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import Scenario, default_scenario_path, load_scenario
from perfkit.profiling.capture import keep_with_run, profiles_during
from perfkit.runs.artifacts import write_run

if TYPE_CHECKING:
    from perfkit.analysis.compare import Comparison
    from perfkit.analysis.verdict import CompareOptions
    from perfkit.project import Project
    from perfkit.runs.model import Run

TRIALS = 5
MIN_TRIAL_S = 1.0
START_ALLOWANCE_S = 10.0  # planned for starting builds; the budget is a plan, not a deadline


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation needs: the project, where runs go, the rule, the budget."""

    project: Project
    out_dir: Path
    options: CompareOptions
    budget_s: float

    @classmethod
    def here(cls, out_dir: Path, options: CompareOptions, budget_s: float) -> Confirmation:
        """A confirmation from the project perfkit runs in, writing its runs to ``out_dir``."""
        from perfkit.project import Project  # noqa: PLC0415  (a type-only import above)

        return cls(Project.find(), out_dir, options, budget_s)


def _build_of(run: Run, project: Project) -> BuildSpec | None:
    """The run's commit, when ``[service]`` can start it; else its URL, when it answers."""
    commit = run.environment.git_commit
    if project.service is not None and commit and not commit.endswith("+dirty"):
        with contextlib.suppress(InputError):
            return BuildSpec(ref=resolve_commit(repository_root(project.root), commit))
    try:
        return BuildSpec(url=check_target(run.target_url))
    except InputError:
        return None


def _scenario(run: Run) -> Scenario | None:
    with contextlib.suppress(InputError):
        scenario = load_scenario(default_scenario_path())
        if scenario.name == run.scenario:
            return scenario
    return None


def _why_not(base: Run, candidate: Run, conf: Confirmation) -> str | tuple[BuildSpec, BuildSpec]:
    if candidate.source.mode == "imported":
        return f"run {candidate.run_id} was imported, perfkit cannot record it again"
    cand, old = _build_of(candidate, conf.project), _build_of(base, conf.project)
    if cand is None:
        return f"the candidate's build is gone ({candidate.target_url} does not answer)"
    if old is None or (old.url is not None and old.url == cand.url):
        return (
            "the base's build cannot be started (no [service] with its commit, no URL of its own)"
        )
    return old, cand


def confirm_regression(
    result: Comparison, base: Run, candidate: Run, conf: Confirmation
) -> Comparison:
    """``result``, or the verdict of interleaved trials of both builds when ``result`` said
    "regressed" on single runs or a history; the first note says which and why."""
    measured_together = "interleaved" in result.evidence or "paired" in result.evidence
    if not result.regressed or conf.budget_s <= 0 or measured_together:
        return result
    trial_s = (conf.budget_s - START_ALLOWANCE_S) / (2 * TRIALS)
    builds = _why_not(base, candidate, conf)
    scenario = _scenario(candidate)
    reason = (
        builds if isinstance(builds, str)
        else f"scenario {candidate.scenario!r} is not the project's" if scenario is None
        else f"--confirm-budget {conf.budget_s:g} s leaves under {MIN_TRIAL_S:g} s a trial"
        if trial_s < MIN_TRIAL_S else None
    )  # fmt: skip
    if reason is not None:
        return _noted(result, f"not confirmed: {reason}; the verdict stands on {result.evidence}")
    assert scenario is not None and not isinstance(builds, str)
    return _confirmed(result, candidate, scenario, builds, conf=conf, trial_s=trial_s)


def _confirmed(result: Comparison, candidate: Run, scenario: Scenario,
               builds: tuple[BuildSpec, BuildSpec], *, conf: Confirmation,
               trial_s: float) -> Comparison:  # fmt: skip
    settings = candidate.load
    load = LoadConfig(
        model=settings.model, concurrency=settings.concurrency, rate=settings.rate,
        duration_s=min(trial_s, settings.duration_s or trial_s), requests=None,
        warmup_s=min(settings.warmup_s, 1.0), timeout_s=settings.timeout_s,
        workers=settings.workers, engine=settings.engine,
    )  # fmt: skip
    plan = RunPlan(scenario=scenario, load=load, kind="ab", repeat=TRIALS,
                   target_label=candidate.target)  # fmt: skip
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        roles = ("base build", "candidate build")
        urls = [stack.enter_context(started(conf.project, b, role, profile=True)).url
                for b, role in zip(builds, roles, strict=True)]  # fmt: skip
        with profiles_during(urls) as profiles:
            runs = interleave(plan, urls, candidate.target)
    written = [write_run(run, conf.out_dir, samples) for run, samples in runs]
    for paths, profile in zip(written, profiles, strict=True):
        if profile is not None:  # a build perfkit started, measured by its middleware
            keep_with_run(profile, paths.json)
    again = session_verdict(written[0], written[1], conf.options)
    how = (
        f"{result.evidence} said regressed; measured again as {TRIALS} + {TRIALS} interleaved "
        f"trials of {load.duration_s:.1f} s ({written[0].run.run_id} vs {written[1].run.run_id},"
        f" {time.monotonic() - began:.0f} s)"
    )
    word = "confirmed: regressed" if again.regressed else f"not confirmed: {again.verdict}"
    return _noted(again, f"{word}; {how}")


def _noted(result: Comparison, note: str) -> Comparison:
    return replace(result, notes=[note, *result.notes])
