"""What notebook 06 (bisect and differential profile) computes, so the notebook only shows.

By default the notebook reads the recorded profile pair shipped in the package
(`perfkit/resources/profiles`, recorded by the profiler test over real HTTP: ``make
docs-flamegraph``), so it runs in seconds and in a project with no profiles of its own;
with ``bisect = True`` it runs a real bisect over a fresh demo repository
(`perfkit.bisect.demo`) and shows that bisect's evidence instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from perfkit.bisect.demo import make_demo_repo
from perfkit.bisect.options import BisectOptions
from perfkit.bisect.session import BisectResult, run_bisect
from perfkit.errors import InputError
from perfkit.loadgen.scenario import load_scenario
from perfkit.profiling.diff import RouteDiff, diff_profiles
from perfkit.profiling.profile import ProfileSet
from perfkit.project import Project
from perfkit.reports.headline import Headline
from perfkit.resources import packaged

RECORDED = packaged("profiles")
OWN_PROFILES = (
    "These profiles are perfkit's recorded example (its profiler test app, with and without "
    "a function adding 3 ms of CPU per request). To see your own service: run it with "
    "PERFKIT_PROFILE=true, record a run before and after a change (perfkit baseline keeps "
    "<run>.profile.json.gz beside each run, perfkit ab does both builds), then pass the two "
    "files: perfkit report --only 06 -p base_profile BEFORE -p head_profile AFTER."
)


def recorded_pair(base: str, head: str) -> tuple[ProfileSet, ProfileSet]:
    """The two profile files (default: the recorded pair shipped in the package)."""
    return (
        ProfileSet.read(Path(base) if base else RECORDED / "base.profile.json.gz"),
        ProfileSet.read(Path(head) if head else RECORDED / "head.profile.json.gz"),
    )


def demo_bisect(commits: int, bad_at: int, added_ms: float, metric: str) -> BisectResult:
    """A whole bisect over a throwaway repository (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="perfkit-nb06-") as folder:
        demo = make_demo_repo(Path(folder) / "repo", commits=commits, bad_at=bad_at,
                              added_ms=added_ms)  # fmt: skip
        project = Project.find(demo.root)
        scenario = load_scenario(project.scenario())
        return run_bisect(project, demo.good, demo.bad, scenario, BisectOptions(metric=metric),
                          say=lambda _: None)  # fmt: skip


def pick_route(base: ProfileSet, head: ProfileSet, route: str) -> RouteDiff:
    """``route``'s difference, or the route that gained most."""
    diffs = diff_profiles(base, head, [route] if route else None)
    if not diffs:
        raise InputError("the two profiles have no route in common")
    return diffs[0]


def frames_table(diff: RouteDiff, shown: int = 12) -> pd.DataFrame:
    rows = [
        {"frame": f.frame, "base ms": f.base_total_ms, "head ms": f.head_total_ms,
         "change ms (total)": f.total_ms, "change ms (self)": f.self_ms}
        for f in diff.frames[:shown]
    ]  # fmt: skip
    return pd.DataFrame(rows).set_index("frame").round(3)


def tried_table(result: BisectResult) -> pd.DataFrame:
    rows = []
    for t in result.tried:
        j = t.judgement
        rows.append({
            "#": result.commits.index(t.commit) + 1, "commit": t.commit[:12],
            "subject": t.subject, "outcome": t.outcome,
            "change": None if j is None or j.change is None else f"{j.change:+.1%}",
            "95 % CI": None if j is None or j.ci is None else f"{j.ci[0]:+.1%} .. {j.ci[1]:+.1%}",
            "trials": 0 if j is None else j.trials,
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("#")


def headline(diff: RouteDiff, result: BisectResult | None) -> Headline:
    """The first bad commit (when a bisect ran) and the profile's answer."""
    top = diff.top
    figures = (
        ("route", diff.route),
        ("CPU per request", f"{diff.base_ms:.2f} -> {diff.head_ms:.2f} ms"),
        ("holds the change", top.frame.rsplit(".", 1)[-1] if top else "n/a"),
    )
    if result is None:
        verdict = diff.summary()
        return Headline(verdict, "warning" if diff.change_ms > 0 else "good",
                        "the recorded profile pair, per request", figures)  # fmt: skip
    if result.first_bad is None:
        return Headline(f"Not pinned: {result.stopped}", "neutral",
                        f"{len(result.tried)} commits tried", figures)  # fmt: skip
    return Headline(f"First bad commit {result.first_bad[:12]}", "critical",
                    f"{len(result.commits)} commits, {len(result.tried)} tried in "
                    f"{result.seconds:.0f} s; {diff.summary()}", figures)  # fmt: skip
