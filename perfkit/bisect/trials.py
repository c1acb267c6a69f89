"""Interleaved trials of two running builds, and the profile each build took meanwhile.

A trial is one short closed-loop load of the scenario (`perfkit.loadgen.runner`) against
one build; GOOD's and the commit's trials alternate, each pair starting with the other
side, so drifting machine load hits both alike (the evidence the verdict's "interleaved
trials" noise source expects). The profile of each build is reset before each of its
trials and fetched after, so it covers the trials, not the start-up or other commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psutil

from perfkit.loadgen.runner import LoadConfig, run_load
from perfkit.loadgen.scenario import Scenario
from perfkit.profiling.capture import fetch_profile
from perfkit.profiling.profile import ProfileSet

#: the metrics a trial can read: latencies of the endpoint, or ``cpu``, the service
#: process's CPU milliseconds per measured request (psutil, around the trial's load; the
#: warm-up's requests are in it for both sides alike), which other processes competing
#: for the machine disturb far less than latency.
METRIC_FIELDS = {"p50": "p50_ms", "p95": "p95_ms", "p99": "p99_ms", "mean": "mean_ms", "cpu": ""}


@dataclass(frozen=True)
class TrialPlan:
    """What one trial loads and what it reads: ``endpoint``'s ``metric``."""

    scenario: Scenario
    config: LoadConfig
    endpoint: str
    metric: str


@dataclass
class Side:
    """One build's figures over its trials: a value of the metric per trial, and its
    profile (None when the build does not profile)."""

    url: str
    pid: int | None = None  # the service's process, for the cpu metric
    values: list[float] = field(default_factory=list)
    profile: ProfileSet | None = None

    def reset(self) -> None:
        self.values, self.profile = [], None

    def add_profile(self, profile: ProfileSet | None) -> None:
        if profile is None:
            return
        if self.profile is None:
            self.profile = profile
        else:
            self.profile.merge(profile)


def one_trial(side: Side, plan: TrialPlan) -> None:
    """Loads ``side`` once; appends the endpoint's metric and the profile of the trial."""
    fetch_profile(side.url, reset=True)
    cpu_before = _cpu_seconds(side.pid)
    result = run_load(side.url, plan.scenario, plan.config)
    cpu = _cpu_seconds(side.pid) - cpu_before
    stats = next(e.stats for e in result.endpoints if e.name == plan.endpoint)
    if plan.metric == "cpu":
        value = cpu * 1000.0 / stats.count if stats.count else None
    else:
        value = getattr(stats.latency, METRIC_FIELDS[plan.metric])
    if value is not None:
        side.values.append(float(value))
    side.add_profile(fetch_profile(side.url))


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU of the service's process and its children (a shell, workers)."""
    if pid is None:
        return 0.0
    process = psutil.Process(pid)
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def interleaved(good: Side, commit: Side, n: int, plan: TrialPlan) -> None:
    """``n`` more trials of each side, alternating which goes first."""
    start = len(commit.values)
    for i in range(start, start + n):
        for side in (good, commit) if i % 2 == 0 else (commit, good):
            one_trial(side, plan)
