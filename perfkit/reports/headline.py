"""The headline block each report opens with: its verdict or score and three figures.

A notebook shows one right after its parameters and first results (the cell tagged
``headline``), so the answer comes before any detail, in Jupyter as in the exported HTML.
The builders are pure: they read what the analysis already decided (the smoke verdict,
`perfkit.analysis.compare`'s verdicts, the health score) and never decide anything.
The HTML carries inline styles only, so it looks the same in Jupyter, in the report and
on the dashboard.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from perfkit.analysis.compare import Comparison, MetricVerdict
from perfkit.analysis.trends import Trend
from perfkit.reports.selection import short_commit
from perfkit.runs.model import Run

# status -> (text colour, background): the plots' status colours, lightened behind text
TONES = {
    "good": ("#1a7f37", "#e9f7ec"),
    "warning": ("#9a6700", "#fff5d6"),
    "critical": ("#b42318", "#fdecea"),
    "neutral": ("#344054", "#f2f4f7"),
}


@dataclass(frozen=True)
class Headline:
    """``verdict`` in large type, coloured by ``status``; ``detail`` says what was looked
    at; ``figures``: (label, value) pairs, the three that matter."""

    verdict: str
    status: str
    detail: str
    figures: tuple[tuple[str, str], ...]
    moved: tuple[str, ...] = ()

    def __str__(self) -> str:
        figures = ", ".join(f"{label} {value}" for label, value in self.figures)
        return f"{self.verdict} ({self.detail}): {figures}"

    def _repr_html_(self) -> str:
        colour, background = TONES.get(self.status, TONES["neutral"])
        cells = "".join(
            '<div style="min-width:9em">'
            f'<div style="font-size:0.8em;color:#475467">{html.escape(label)}</div>'
            f'<div style="font-size:1.5em;font-weight:600">{html.escape(value)}</div></div>'
            for label, value in self.figures
        )
        moved = (
            '<ul style="margin:0.6em 0 0 1.2em;padding:0">'
            + "".join(f"<li>{html.escape(m)}</li>" for m in self.moved)
            + "</ul>"
            if self.moved
            else ""
        )
        return (
            f'<section class="perfkit-headline" data-status="{html.escape(self.status)}" '
            f'style="border-left:6px solid {colour};background:{background};'
            'padding:0.8em 1.2em;margin:0.5em 0 1em 0;border-radius:4px">'
            f'<div class="perfkit-verdict" style="font-size:1.6em;font-weight:700;'
            f'color:{colour}">{html.escape(self.verdict)}</div>'
            f'<div style="color:#475467;margin:0.2em 0 0.6em 0">{html.escape(self.detail)}</div>'
            f'<div style="display:flex;flex-wrap:wrap;gap:1.5em">{cells}</div>{moved}</section>'
        )


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def baseline(run: Run) -> Headline:
    """A load run: its smoke verdict, then throughput, p95 and error rate of the whole run."""
    smoke = run.smoke
    if smoke is None:
        verdict, status = "Smoke: not judged", "neutral"
    else:
        failed = [c.name for c in smoke.criteria if not c.passed]
        verdict = "Smoke: PASS" if smoke.passed else f"Smoke: FAIL ({', '.join(failed)})"
        status = "good" if smoke.passed else "critical"
    commit = short_commit(run.environment.git_commit)
    return Headline(
        verdict,
        status,
        f"{run.kind} {run.run_id} against {run.target}, commit {commit}",
        (
            ("throughput", f"{run.overall.throughput_rps:,.1f} req/s"),
            ("p95 latency (all requests)", _ms(run.overall.latency.p95_ms)),
            ("errors", f"{100 * run.overall.error_rate:.2f} %"),
        ),
    )


def _change(metric: MetricVerdict | None) -> str:
    if metric is None or metric.change is None:
        return "n/a"
    return f"{100 * metric.change:+.1f} %"


MOVED_SHOWN = 5
#: a comparison's outcome -> the words in large type and the status that colours them
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "regressed": ("REGRESSED", "critical"),
    "improved": ("Improved, no regression", "good"),
    "unchanged": ("Unchanged: no regression", "good"),
    "environment changed": ("Environment changed: re-run", "warning"),
    "not enough history": ("Not enough history: no verdict", "neutral"),
}


def moved_metrics(comparison: Comparison, shown: int = MOVED_SHOWN) -> list[str]:
    """``endpoint metric +x % (verdict)`` for the metrics compare did not call unchanged,
    the largest changes first; beyond ``shown``, one line counts the rest. When the
    environment changed they moved with the machine, and say so instead of a verdict."""
    machine = comparison.outcome == "environment changed"
    moved = sorted(
        (
            (abs(m.change or 0.0), f"{ec.endpoint} {m.metric} {_change(m)} "
             + ("(moved with the machine)" if machine else f"({m.verdict})"))
            for ec in [comparison.overall, *comparison.endpoints]
            for m in ec.metrics.values()
            if m.verdict != "unchanged"
        ),
        key=lambda item: -item[0],
    )  # fmt: skip
    lines = [text for _, text in moved[:shown]]
    if len(moved) > shown:
        lines.append(f"and {len(moved) - shown} more metric(s): see the comparison report")
    return lines


def _evidence(result: Comparison) -> str:
    """What the outcome stands on, and why it is not a verdict on the code when it is not."""
    if result.outcome == "not enough history":
        return (f"{result.short_history} of {result.options.min_history} comparable earlier "
                "runs of this testbed: record more runs to judge the latencies")  # fmt: skip
    evidence = result.evidence
    if "history" in evidence and result.history_runs:
        evidence = evidence.replace("history", f"history of {result.history_runs} runs")
    text = f"weak evidence ({evidence})" if result.weak else f"evidence: {evidence}"
    if result.outcome == "environment changed" and result.environment is not None:
        text += "; not judged on the code: " + "; ".join(result.environment.reasons)
    return text


def comparison(result: Comparison, commits: tuple[str, str] | None = None) -> Headline:
    """compare's outcome (`OUTCOME_WORDS`) and the whole run's changes; ``commits``: the
    base's and the candidate's short commits, when known."""
    verdict, status = OUTCOME_WORDS[result.outcome]
    metrics = result.overall.metrics
    return Headline(
        verdict,
        status,
        f"candidate {result.candidate_id} against base {result.base_id}"
        + (f" (commit {commits[1]} against {commits[0]})" if commits else "")
        + f"; {_evidence(result)}",
        (
            ("p95 change (all requests)", _change(metrics.get("p95"))),
            ("throughput change", _change(metrics.get("throughput"))),
            ("error rate change", _change(metrics.get("error_rate"))),
        ),
        tuple(moved_metrics(result)),
    )


def trends(found: Sequence[Trend]) -> Headline:
    """How many change points the history holds, the newest, and the latest p95."""
    steps = sorted(
        ((t.times[cp.index], t, cp) for t in found for cp in t.change_points),
        key=lambda item: item[0],
    )
    overall = next((t for t in found if t.endpoint == "overall" and t.metric == "p95"), None)
    runs = len(found[0].run_ids) if found else 0
    if steps:
        when, trend, cp = steps[-1]
        newest = f"{trend.endpoint} {trend.metric} {100 * cp.change:+.0f} % ({when:%Y-%m-%d})"
        verdict, status = f"{len(steps)} change point(s) in the history", "warning"
    else:
        newest, verdict, status = "none", "No change point: levels are stable", "good"
    latest = "n/a" if overall is None or not len(overall.values) else _ms(overall.values[-1])
    span = (
        f"{runs} runs from {found[0].times[0]:%Y-%m-%d} to {found[0].times[-1]:%Y-%m-%d}"
        if runs
        else "no runs"
    )
    return Headline(
        verdict,
        status,
        span,
        (("runs", str(runs)), ("latest p95 (all requests)", latest), ("newest step", newest)),
    )


def health(report: Mapping[str, Any]) -> Headline:
    """The analytics report's score and status, with its seed key metrics."""
    summary = report["sections"]["executive_summary"]
    key = summary["key_metrics"]
    hit = key.get("cache_hit_rate")
    return Headline(
        f"Health {summary['health_score']}/100: {summary['status']}",
        str(summary["status"]) if summary["status"] in TONES else "neutral",
        str(summary["headline"]),
        (
            ("mean response", _ms(float(key["average_response_time"]))),
            ("cache hit rate", "not measured" if hit is None else f"{hit:.1f} %"),
            ("Redis", str(key.get("redis_status", "unknown"))),
        ),
    )


def lab(cache: pd.DataFrame, accuracy: pd.DataFrame, drill: pd.DataFrame) -> Headline:
    """The lab's three answers from its tables (`perfkit.lab`: the cold/warm summary, the
    limiter accuracy, the drill's phases): the cache's cut, requests admitted beyond the
    limit, 5xx while Redis was stopped and started."""
    over = int(accuracy["over-admitted"].sum())
    errors = int(drill["5xx"].sum())
    cuts = [float(v) for v in cache["cut %"] if not math.isnan(float(v))]
    cut = f"{min(cuts):.0f}-{max(cuts):.0f} %" if cuts else "n/a"
    ok = over == 0 and errors == 0
    return Headline(
        "Lab: fallback and limits held" if ok else "Lab: a limit or the fallback failed",
        "good" if ok else "critical",
        "cold vs warm cache, limiter accuracy, Redis stopped and started under load",
        (
            ("cache cut of p50, cold to warm", cut),
            ("requests admitted over the limit", str(over)),
            ("5xx in the outage drill", str(errors)),
        ),
    )
