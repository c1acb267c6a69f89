"""`run_bisect`: GOOD's build kept running, each commit's build started and judged in turn.

Every build is a temporary worktree started by the project's ``[service]`` command
(`perfkit.builds.running`) with ``PERFKIT_PROFILE=true`` added to its environment, so a
service measured by perfkit's middleware also profiles. First BAD is confirmed against
GOOD (no regression: nothing to bisect); then commits are tried in bisection order. A
commit whose verdict is "unknown" gets more trials, up to ``max_trials``, then is
skipped; a commit whose service does not start is skipped and said so. The search stops
when the first bad commit is pinned, or on the step or time budget.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from perfkit.analysis.verdict import CompareOptions
from perfkit.bisect.judge import Judgement, judge
from perfkit.bisect.options import BisectOptions
from perfkit.bisect.repo import check_repository, commits_between, subject
from perfkit.bisect.search import Outcome, Search
from perfkit.bisect.trials import Side, TrialPlan, interleaved
from perfkit.builds.running import running_build, service_of
from perfkit.errors import InputError, PerfkitError
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import Scenario
from perfkit.profiling.diff import RouteDiff, diff_profiles
from perfkit.profiling.profile import ProfileSet
from perfkit.project import Project


@dataclass
class Tried:
    """One commit tried: what the verdict rule answered, on which trial values."""

    commit: str
    subject: str
    outcome: Outcome
    judgement: Judgement | None
    note: str = ""  # why it was skipped without a judgement
    seconds: float = 0.0
    values: list[float] = field(default_factory=list)
    good_values: list[float] = field(default_factory=list)
    profiles: tuple[ProfileSet, ProfileSet] | None = None  # GOOD's and its own

    def describe(self) -> str:
        return self.judgement.describe() if self.judgement else f"skip: {self.note}"


@dataclass
class BisectResult:
    good: str
    bad: str
    endpoint: str
    metric: str
    commits: list[str]
    tried: list[Tried] = field(default_factory=list)
    first_bad: str | None = None
    suspects: list[str] = field(default_factory=list)
    stopped: str = ""  # why the search ended early, empty when it pinned the commit
    seconds: float = 0.0

    def evidence(self) -> Tried | None:
        return next((t for t in self.tried if t.commit == self.first_bad), None)

    def profile_diff(self) -> RouteDiff | None:
        """The route that gained most CPU per request from GOOD to the first bad commit."""
        tried = self.evidence()
        if tried is None or tried.profiles is None:
            return None
        diffs = diff_profiles(*tried.profiles)
        return diffs[0] if diffs else None


@contextlib.contextmanager
def _profiling_env() -> Iterator[None]:
    """``PERFKIT_PROFILE=true`` for the builds started in the block (a build's environment
    is perfkit's plus the ``[service]`` table's)."""
    before = os.environ.get("PERFKIT_PROFILE")
    os.environ["PERFKIT_PROFILE"] = "true"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PERFKIT_PROFILE", None)
        else:
            os.environ["PERFKIT_PROFILE"] = before


@dataclass
class _Bisector:
    project: Project
    repo: Path
    plan: TrialPlan
    options: BisectOptions
    good: Side
    clock: Callable[[], float]

    def attempt(self, commit: str, bad_change: float | None) -> Tried:
        """Starts ``commit``, records trials against GOOD until the answer is known or
        the trials run out; a build that does not start is a skip (BAD's: an error)."""
        started, opts = self.clock(), self.options
        verdict_options = CompareOptions(threshold=opts.threshold)
        self.good.reset()
        try:
            with running_build(self.project, commit, role="build") as build:
                side = Side(build.url, build.pid)
                n = opts.trials
                while True:
                    interleaved(self.good, side, n, self.plan)
                    verdict = judge(self.plan.endpoint, self.plan.metric, self.good.values,
                                    side.values, options=verdict_options,
                                    bad_change=bad_change)  # fmt: skip
                    n = min(opts.trials, opts.max_trials - len(side.values))
                    if verdict.answer != "unknown" or n <= 0:
                        break
        except PerfkitError as exc:
            if bad_change is None:
                raise
            return Tried(commit, subject(self.repo, commit), "skip", None,
                         f"its service did not start ({exc})", self.clock() - started)  # fmt: skip
        outcome: Outcome = "skip" if verdict.answer == "unknown" else verdict.answer
        profiles = None
        if self.good.profile is not None and side.profile is not None:
            profiles = (self.good.profile, side.profile)
        seconds = self.clock() - started
        return Tried(commit, subject(self.repo, commit), outcome, verdict, "", seconds,
                     side.values, list(self.good.values), profiles)  # fmt: skip


def run_bisect(
    project: Project, good: str, bad: str, scenario: Scenario, options: BisectOptions, *,
    say: Callable[[str], None] = print, clock: Callable[[], float] = time.monotonic,
) -> BisectResult:  # fmt: skip
    """Every check first (options, ``[service]``, git), then the search."""
    endpoint = options.validate(scenario)
    repo, good_commit, bad_commit = check_repository(project.root, good, bad)
    service_of(project)
    commits = commits_between(repo, good_commit, bad_commit)
    started = clock()
    config = LoadConfig(concurrency=options.concurrency, duration_s=options.duration_s,
                        warmup_s=options.warmup_s, keep_samples=False)  # fmt: skip
    plan = TrialPlan(scenario, config, endpoint, options.metric)
    result = BisectResult(good_commit, bad_commit, endpoint, options.metric, commits)
    say(f"bisecting {len(commits)} commits by {endpoint} {options.metric}")
    with _profiling_env(), running_build(project, good_commit, role="GOOD build") as good_build:
        good_side = Side(good_build.url, good_build.pid)
        bisector = _Bisector(project, repo, plan, options, good_side, clock)
        confirm = bisector.attempt(bad_commit, None)
        result.tried.append(confirm)
        say(f"BAD  {bad_commit[:12]}: {confirm.describe()}")
        judgement = confirm.judgement
        if confirm.outcome != "bad" or judgement is None or judgement.change is None:
            raise InputError(
                f"BAD {bad} is not measurably slower than GOOD {good} on {endpoint} "
                f"{options.metric} ({confirm.describe()}): nothing to bisect"
            )
        search = Search(commits)
        while (index := search.next()) is not None:
            if len(result.tried) > options.max_steps:
                result.stopped = f"step budget ({options.max_steps} commits) spent"
                break
            if clock() - started >= options.time_budget_s:
                result.stopped = f"time budget ({options.time_budget_s:.0f} s) spent"
                break
            tried = bisector.attempt(commits[index], judgement.change)
            result.tried.append(tried)
            search.record(index, tried.outcome)
            say(f"{len(result.tried) - 1:>3}  {tried.commit[:12]} {tried.subject[:48]}: "
                f"{tried.describe()}")  # fmt: skip
    result.suspects = search.suspects()
    if search.exact:
        result.first_bad = commits[search.first_bad]
        result.stopped = ""
    elif not result.stopped:
        result.stopped = "skipped commits leave more than one suspect"
    result.seconds = clock() - started
    return result
