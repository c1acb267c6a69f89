"""The bisect report: a folder ``bisect-<UTC time>/`` with ``bisect.json`` (schema version
1), ``bisect.md``, ``chart.svg`` and, when the builds profile, the two profiles of the
first bad commit's trials and their differential flame graph ``profile-diff.svg``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from perfkit.bisect.chart import chart_svg
from perfkit.bisect.session import BisectResult, Tried
from perfkit.profiling.flamegraph import diff_flamegraph

SCHEMA_VERSION = 1


def _tried(t: Tried) -> dict[str, Any]:
    j = t.judgement
    return {
        "commit": t.commit, "subject": t.subject, "outcome": t.outcome, "note": t.note,
        "change": None if j is None else j.change,
        "ci": None if j is None or j.ci is None else list(j.ci),
        "verdict": None if j is None else j.verdict,
        "reason": None if j is None else j.reason,
        "trials": 0 if j is None else j.trials,
        "values_ms": t.values, "good_values_ms": t.good_values, "seconds": round(t.seconds, 1),
    }  # fmt: skip


def headline(result: BisectResult) -> str:
    """The line the command prints last: the first bad commit and its evidence."""
    if result.first_bad is None:
        suspects = ", ".join(c[:12] for c in result.suspects)
        return f"not pinned ({result.stopped}); the first bad commit is one of: {suspects}"
    tried = result.evidence()
    line = f"first bad commit: {result.first_bad[:12]} {tried.subject if tried else ''}"
    if tried is not None:
        line += f"\n  {result.endpoint} {result.metric} {tried.describe()}"
    diff = result.profile_diff()
    if diff is not None:
        line += f"\n  profile: {diff.summary()}"
    return line


def to_dict(result: BisectResult) -> dict[str, Any]:
    diff = result.profile_diff()
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "perfkit-bisect",
        "good": result.good, "bad": result.bad,
        "endpoint": result.endpoint, "metric": result.metric,
        "commits": result.commits,
        "first_bad": result.first_bad, "suspects": result.suspects,
        "stopped": result.stopped, "seconds": round(result.seconds, 1),
        "tried": [_tried(t) for t in result.tried],
        "profile_diff": None if diff is None else diff.to_dict(),
    }  # fmt: skip


def markdown(result: BisectResult) -> str:
    lines = [
        f"# perfkit bisect {result.good[:12]}..{result.bad[:12]}",
        "",
        headline(result).replace("\n  ", "\n\n- "),
        "",
        f"{len(result.commits)} commits, {len(result.tried)} tried (BAD first), "
        f"{result.seconds:.0f} s. ![chart](chart.svg)",
        "",
        "| # | commit | subject | outcome | change | 95 % CI | trials |",
        "|---:|---|---|---|---:|---|---:|",
    ]
    for t in result.tried:
        j = t.judgement
        change = "-" if j is None or j.change is None else f"{j.change:+.1%}"
        ci = "-" if j is None or j.ci is None else f"{j.ci[0]:+.1%} .. {j.ci[1]:+.1%}"
        number = result.commits.index(t.commit) + 1
        outcome = t.outcome if j is not None else f"skip ({t.note})"
        trials = 0 if j is None else j.trials
        lines.append(f"| {number} | `{t.commit[:12]}` | {t.subject} | {outcome} | {change} "
                     f"| {ci} | {trials} |")  # fmt: skip
    if result.profile_diff() is not None:
        lines += ["", "![differential profile](profile-diff.svg)"]
    return "\n".join(lines) + "\n"


def write_report(result: BisectResult, out: Path, now: datetime | None = None) -> Path:
    """The report folder under ``out``; returns its path."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = out / f"bisect-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    (folder / "bisect.json").write_text(json.dumps(to_dict(result), indent=1), "utf-8")
    (folder / "bisect.md").write_text(markdown(result), "utf-8")
    (folder / "chart.svg").write_text(chart_svg(result), "utf-8")
    tried, diff = result.evidence(), result.profile_diff()
    if tried is not None and tried.profiles is not None and diff is not None:
        good, bad = tried.profiles
        good.write(folder / "good.profile.json.gz")
        bad.write(folder / "first-bad.profile.json.gz")
        svg = diff_flamegraph(diff, good.routes[diff.route], bad.routes[diff.route])
        (folder / "profile-diff.svg").write_text(svg, "utf-8")
    return folder
