"""Each comparison of `perfkit bench verdicts` on its own: when, at what load, what moved.

A tally says how often the gate caught a slowdown; it does not say whether the slowdown
was there to catch. Each comparison therefore also records the **realised change**: the
slowed endpoint's p50 in the candidate's run over the base's, each pooled over the whole
recording (every request, not the verdict's per-trial statistics), beside the verdict of
that p50 and the 1-minute load average when its recording began. The records go to
``<keep>/sessions.jsonl`` as they come (a calibration cut short keeps what it measured),
and the tables group them by load, where a noisy runner shows.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from perfkit.analysis.compare import Comparison
from perfkit.analysis.data import RunData

#: upper bounds of the load buckets (1-minute load average); the goal of issue 22 is
#: stated at a load of about 4, the 3-6 bucket
LOAD_BOUNDS = (3.0, 6.0, 10.0)
FILE = "sessions.jsonl"


@dataclass(frozen=True)
class ComparisonRecord:
    """One judged pair: the mode, the condition (``size`` None: A/A) and what came out."""

    mode: str
    size: float | None
    at: str  # UTC time its recording began, ``2026-12-04T07:40:12Z``
    load: float | None  # 1-minute load average then (None: unknown)
    realised: float | None  # slowed endpoint's pooled p50, candidate / base - 1
    verdict: str  # the slowed endpoint's p50 verdict
    estimate: float | None  # the verdict's estimate of that change
    flagged: bool  # A/A: anything flagged; slowdown: its p50 called regressed
    seconds: float | None = None  # wall time of the recording (a duet's), when timed
    wait_ms: float | None = None  # the slowed instance's injected wait then (None: A/A)


def realised_change(base: RunData, candidate: RunData, endpoint: str) -> float | None:
    """The endpoint's p50 in ``candidate`` over ``base``, minus 1 (None when unmeasured)."""
    if endpoint not in base.endpoints or endpoint not in candidate.endpoints:
        return None
    before = base.endpoints[endpoint].value("p50")
    after = candidate.endpoints[endpoint].value("p50")
    if not (math.isfinite(before) and math.isfinite(after)) or before <= 0:
        return None
    return after / before - 1


def comparison_record(
    comparison: Comparison, pair: tuple[RunData, RunData], slowed: str, *,
    mode: str, size: float | None, at: str, load: float | None, flagged: bool,
    seconds: float | None = None, wait_ms: float | None = None,
) -> ComparisonRecord:  # fmt: skip
    found = next(e for e in comparison.endpoints if e.endpoint == slowed).metrics["p50"]
    return ComparisonRecord(
        mode, size, at, load, realised_change(*pair, slowed), found.verdict,
        found.test.change, flagged, seconds, wait_ms,
    )  # fmt: skip


def append(folder: Path, record: ComparisonRecord) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / FILE).open("a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(record)) + "\n")


def read(folder: Path) -> list[ComparisonRecord]:
    """The records an earlier run kept in ``folder`` (none when it kept none)."""
    path = folder / FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ComparisonRecord(**json.loads(line)) for line in lines if line.strip()]


def began_at(records: Sequence[ComparisonRecord], started: datetime) -> tuple[str, float | None]:
    """The time and load of the kept record whose recording began last before a run
    ``started`` (its warm-up in between); the run's own time and no load without one."""
    at = started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = [r for r in records if r.at <= at]
    return (at, max(before, key=lambda r: r.at).load) if before else (at, None)


def bucket(load: float | None) -> str:
    if load is None:
        return "load unknown"
    low = 0.0
    for high in LOAD_BOUNDS:
        if load < high:
            return f"load {low:g}-{high:g}"
        low = high
    return f"load >= {low:g}"


def _cell(records: Sequence[ComparisonRecord]) -> str:
    if not records:
        return "-"
    hit = sum(r.flagged for r in records)
    realised = [r.realised for r in records if r.realised is not None]
    moved = f", realised {statistics.median(realised):+.1%}" if realised else ""
    return f"{hit}/{len(records)}{moved}"


def by_load(records: Sequence[ComparisonRecord], mode: str, sizes: Sequence[float]) -> str:
    """A Markdown table of one mode: a row per load bucket, a column per condition (A/A
    flagged, each slowdown caught), with the median realised change of each cell."""
    mine = [r for r in records if r.mode == mode]
    conditions: list[float | None] = [None, *sizes]
    names = ["A/A flagged", *(f"+{s:.0%} caught" for s in sizes)]
    order = [bucket(b - 1) for b in LOAD_BOUNDS] + [bucket(LOAD_BOUNDS[-1]), bucket(None)]
    rows = [f"| {mode}: load (1 min) | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names)]  # fmt: skip
    for name in [*order, "all"]:
        chosen = [r for r in mine if name in ("all", bucket(r.load))]
        if chosen:
            cells = [_cell([r for r in chosen if r.size == c]) for c in conditions]
            rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def listing(records: Sequence[ComparisonRecord]) -> str:
    """Every comparison, one row each: when, load, condition, realised change, verdict."""
    rows = ["| at (UTC) | mode | load | condition | wait | realised p50 change | verdict | "
            "estimate |", "|---|---|---:|---|---:|---:|---|---:|"]  # fmt: skip
    for r in records:
        load = "-" if r.load is None else f"{r.load:.1f}"
        realised = "-" if r.realised is None else f"{r.realised:+.1%}"
        estimate = "-" if r.estimate is None else f"{r.estimate:+.1%}"
        condition = "A/A" if r.size is None else f"+{r.size:.0%}"
        wait = "-" if r.wait_ms is None else f"{r.wait_ms:.1f} ms"
        verdict = r.verdict + (" (flagged)" if r.flagged else "")
        rows.append(f"| {r.at[11:19]} | {r.mode} | {load} | {condition} | {wait} | {realised} | "
                    f"{verdict} | {estimate} |")  # fmt: skip
    return "\n".join(rows)
