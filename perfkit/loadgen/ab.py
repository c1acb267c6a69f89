"""`perfkit ab`: the base and the head of a change, started side by side and loaded as a duet.

Each build is a git ref started from ``[service]`` (`perfkit.builds.running`), or a URL
of a service someone else runs. Both are loaded at the same time with requests paired in
time (`perfkit.loadgen.duet`); each build's time blocks become its run's trials, both
runs share a session id and are written into the history as kind ``"ab"`` (so `latest`,
`trends` and the history gate, which read baselines, never see them), and the verdict is
the interleaved-trials verdict of the two (`session_verdict`, the one call confirm-before-
failing shares). Everything the user can get wrong is checked before a build starts; a
build that fails to start leaves nothing in the history.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfkit.analysis.adapt import compare_stored
from perfkit.builds.checkout import merge_base, repository_root, resolve_commit
from perfkit.builds.running import Build, given_url, running_build, service_of
from perfkit.errors import InputError
from perfkit.loadgen.baseline import RunPlan, Side, fetch_json, session_runs
from perfkit.loadgen.duet import DEFAULT_BLOCKS, check_duet, run_duet
from perfkit.loadgen.engines import HttpOptions
from perfkit.profiling.capture import keep_with_run, profiles_during
from perfkit.runs.artifacts import ArtifactPaths, write_run
from perfkit.runs.environment import capture_environment
from perfkit.runs.history import StoredRun

if TYPE_CHECKING:
    from perfkit.analysis.compare import Comparison
    from perfkit.analysis.verdict import CompareOptions
    from perfkit.project import Project

#: where the default base is looked for: the merge base of HEAD with the first that exists
MAIN_BRANCHES = ("main", "origin/main", "master", "origin/master")


@dataclass(frozen=True)
class BuildSpec:
    """One side as the user named it: a git ref, or the URL of a running service."""

    ref: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class AbPlan:
    """What `run_ab` runs: the two sides, the load, and how many time blocks (trials)."""

    run: RunPlan  # scenario, load, thresholds, label; kind "ab"
    base: BuildSpec
    head: BuildSpec
    blocks: int = DEFAULT_BLOCKS
    options: HttpOptions = field(default_factory=HttpOptions)
    profile: bool = True  # PERFKIT_PROFILE=true in the builds perfkit starts


def default_base(repo: Path, head: str = "HEAD") -> str:
    """The merge base of ``head`` with main (or origin/main, master, origin/master)."""
    resolve_commit(repo, head)  # a head that does not exist is said as such
    for branch in MAIN_BRANCHES:
        if (found := _merge_base_with(repo, head, branch)) is not None:
            return found
    raise InputError(
        f"no base given and no branch of {', '.join(MAIN_BRANCHES)} shares history with "
        f"{head}: name the base (perfkit ab BASE HEAD)"
    )


def _merge_base_with(repo: Path, head: str, branch: str) -> str | None:
    try:
        resolve_commit(repo, branch)
    except InputError:
        return None
    return merge_base(repo, head, branch)


def check_plan(project: Project, plan: AbPlan) -> None:
    """Every mistake the user can make, found before a build starts (`InputError`)."""
    plan.run.validate()
    if plan.run.kind != "ab" or not plan.run.target_label:
        raise InputError("an A/B session records runs of kind 'ab' under one target label")
    check_duet(plan.run.load, plan.blocks)
    refs = [side.ref for side in (plan.base, plan.head) if side.url is None]
    if refs:
        service_of(project)
        repo = repository_root(project.root)
        for ref in refs:
            resolve_commit(repo, str(ref))


@contextlib.contextmanager
def started(
    project: Project, side: BuildSpec, role: str, *, profile: bool = False
) -> Iterator[Build]:
    """The build a `BuildSpec` names, answering HTTP for one block; a build perfkit starts
    runs with ``PERFKIT_PROFILE=true`` when ``profile`` (its middleware then samples)."""
    if side.url is not None:
        with given_url(side.url) as build:
            yield build
    else:
        env = {"PERFKIT_PROFILE": "true"} if profile else None
        with running_build(project, str(side.ref), role=role, env=env) as build:
            yield build


def _side(build: Build, label: str, options: HttpOptions) -> Side:
    """The build as a side of the session, recorded with the commit it was built from."""
    env = capture_environment()
    if build.commit is not None and build.commit != env.git_commit:
        env = replace(env, git_commit=build.commit, git_branch=None)
    return Side(build.url, label, fetch_json(build.url, headers=options.headers), environment=env)


def run_ab(project: Project, plan: AbPlan, out_dir: Path) -> list[ArtifactPaths]:
    """Start both builds, load them as a duet, write the base's run and the head's, and
    beside each the profile its build took over the duet (when it profiles)."""
    check_plan(project, plan)
    with contextlib.ExitStack() as stack:
        builds = [
            stack.enter_context(started(project, side, role, profile=plan.profile))
            for side, role in ((plan.base, "base build"), (plan.head, "head build"))
        ]
        sides = [_side(b, str(plan.run.target_label), plan.options) for b in builds]
        with profiles_during([b.url for b in builds]) as profiles:
            base_results, head_results = run_duet(
                builds[0].url, builds[1].url, plan.run.scenario, plan.run.load,
                blocks=plan.blocks, options=plan.options,
            )  # fmt: skip
        sides[0].results.extend(base_results)
        sides[1].results.extend(head_results)
        runs = session_runs(plan.run, sides, "perfkit")
    written = [write_run(run, out_dir, samples) for run, samples in runs]
    for paths, profile in zip(written, profiles, strict=True):
        if profile is not None:
            keep_with_run(profile, paths.json)
    return written


def stored_pair(written: list[ArtifactPaths]) -> tuple[StoredRun, StoredRun]:
    """The base's run and the head's as `StoredRun`s (their files and their runs)."""
    base, head = (StoredRun(p.json, p.run) for p in written)
    return base, head


def session_verdict(
    base: ArtifactPaths, head: ArtifactPaths, options: CompareOptions | None = None
) -> Comparison:
    """The verdict of two runs recorded in one session (a duet, or interleaved trials),
    judged on their own trials alone: no other run's history enters it."""
    pair = [StoredRun(p.json, p.run) for p in (base, head)]
    return compare_stored(pair, pair[0], pair[1], options)
