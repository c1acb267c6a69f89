"""A comparison as plain text a CI log can show: the answer first, then what moved.

The first line says the outcome and what moved in words ("REGRESSED: chat p50 +21 %
(95 % CI +17..+25 %), 10 other endpoints unchanged"), the second what evidence it stands
on; then one row per endpoint metric that moved (every one with ``everything``), in
columns that fit `WIDTH` characters however long the endpoint names, so a log 100
columns wide never wraps a row; notes last, wrapped to the same width.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # compare's to_dict carries the headline: no import cycle at run time
    from perfkit.analysis.compare import Comparison, EndpointComparison
    from perfkit.analysis.verdict import CompareOptions, MetricVerdict

WIDTH = 100
#: (title, width) of each column; one space between columns: 22+10+8+8+7+15+7+6+9 + 8 = 100
COLUMNS = (("endpoint", 22), ("metric", 10), ("base", 8), ("cand", 8), ("change", 7),
           ("95% CI", 15), ("p(Holm)", 7), ("detect", 6), ("verdict", 9))  # fmt: skip
_SHOWN = 3  # endpoints named in the headline


def pct(value: float | None, digits: int = 0, unit: str = " %") -> str:
    """``+21 %``; ``-`` when unknown, ``+inf`` past any finite change."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value * 100:+.{digits}f}{unit}"


def _interval(ci: tuple[float, float] | None, unit: str = " %") -> str:
    if ci is None:
        return "-"
    return f"{pct(ci[0], unit='')}..{pct(ci[1], unit=unit)}"


def _worst(ep: EndpointComparison, verdict: str) -> MetricVerdict | None:
    """The metric the headline names: p50 when it moved (the typical request), else the
    one that moved most."""
    moved = [m for m in ep.metrics.values() if m.verdict == verdict]
    typical = [m for m in moved if m.metric == "p50"]
    return typical[0] if typical else max(moved, key=lambda m: abs(m.change or 0.0), default=None)


def _moved(name: str, m: MetricVerdict) -> str:
    """``chat p50 +21 % (95 % CI +17..+25 %)``; ``other errors 0.0 % -> 4.7 %``."""
    if m.metric == "error_rate":
        return f"{name} errors {m.base:.1%} -> {m.candidate:.1%}".replace("%", " %")
    ci = f" (95 % CI {_interval(m.test.ci)})" if m.test.ci is not None else ""
    return f"{name} {m.metric} {pct(m.change)}{ci}"


def _moved_words(result: Comparison, verdict: str) -> tuple[str, int]:
    """``chat p50 +21 % (95 % CI +17..+25 %)`` for the endpoints that moved, and how many."""
    found = [(ep.endpoint, m) for ep in result.endpoints if (m := _worst(ep, verdict))]
    if not found and (m := _worst(result.overall, verdict)) is not None:
        found = [("overall", m)]
    words = [_moved(name, m) for name, m in found[:_SHOWN]]
    if len(found) > _SHOWN:
        words.append(f"{len(found) - _SHOWN} more")
    return ", ".join(words), len(found)


def _gates(options: CompareOptions) -> str:
    """``the 10 % threshold``, and the latency floor when the user set one: what a change
    must pass besides the noise."""
    threshold = f"the {pct(options.threshold, unit=' %').lstrip('+')} threshold"
    if options.floor_ms is None:
        return threshold
    return f"{threshold} and the {options.floor_ms:.3g} ms floor"


def headline(result: Comparison) -> str:
    """The answer and what moved, in one line."""
    unchanged = sum(ep.verdict == "unchanged" for ep in result.endpoints)
    outcome = result.outcome
    if outcome == "environment changed":
        reason = result.environment.reasons[-1] if result.environment else "the machine moved"
        return f"ENVIRONMENT CHANGED: re-run (not judged on the code): {reason}"
    if outcome == "not enough history":
        found, needed = result.short_history, result.options.min_history
        return (f"NOT ENOUGH HISTORY: {found} of {needed} comparable earlier runs of this "
                "testbed, no latency judged; record more runs")  # fmt: skip
    if outcome == "unchanged":
        return (f"UNCHANGED: no endpoint moved past the noise and {_gates(result.options)} "
                f"({len(result.endpoints)} endpoints)")  # fmt: skip
    words, moved = _moved_words(result, outcome)
    plural = "s" * (unchanged != 1)
    others = f", {unchanged} other endpoint{plural} unchanged" if moved and unchanged else ""
    return f"{outcome.upper()}: {words}{others}"


def evidence_line(result: Comparison) -> str:
    """What the verdict stands on: ``evidence: history of 14 runs; threshold 10 %``."""
    evidence = result.evidence
    if "history" in evidence and result.history_runs:
        evidence = evidence.replace("history", f"history of {result.history_runs} runs")
    if result.weak:
        evidence += " (weak: no trials, not enough history)"
    tests = sum(len(ep.metrics) for ep in result.all)
    return (f"evidence: {evidence}; threshold {result.options.threshold:.0%}, family-wise "
            f"alpha {result.options.alpha:.0%} over {tests} tests; "
            f"{result.base_id} -> {result.candidate_id}")  # fmt: skip


def _cell(text: str, width: int, *, left: bool = False) -> str:
    if len(text) > width:
        text = text[: width - 1] + "~"
    return text.ljust(width) if left else text.rjust(width)


def _num(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4g}"


def _row(endpoint: str, m: MetricVerdict) -> str:
    cells = (endpoint, m.metric, _num(m.base), _num(m.candidate), pct(m.change, 1, "%"),
             _interval(m.test.ci, "%"), "-" if m.adjusted_p is None else f"{m.adjusted_p:.1g}",
             pct(m.test.detectable, unit="%"), m.verdict)  # fmt: skip
    return " ".join(
        _cell(text, width, left=i in (0, 1, 8))
        for i, (text, (_, width)) in enumerate(zip(cells, COLUMNS, strict=True))
    ).rstrip()


def table(result: Comparison, *, everything: bool = False) -> list[str]:
    """The header and one row per endpoint metric that moved (every one with
    ``everything``); a line saying nothing moved instead of an empty table."""
    rows = [
        _row(ep.endpoint, m)
        for ep in result.all
        for m in ep.metrics.values()
        if everything or m.verdict != "unchanged"
    ]
    if not rows:
        return ["no endpoint metric moved (--all shows every one)"]
    header = " ".join(_cell(t, w, left=i in (0, 1, 8)) for i, (t, w) in enumerate(COLUMNS))
    return [header.rstrip(), *rows]


def render(result: Comparison, *, everything: bool = False) -> str:
    """Headline, evidence, table and notes, every line at most `WIDTH` characters."""
    wrapped = [*textwrap.wrap(headline(result), WIDTH, subsequent_indent="  "),
               *textwrap.wrap(evidence_line(result), WIDTH, subsequent_indent="  "), "",
               *table(result, everything=everything)]  # fmt: skip
    for note in result.notes:
        wrapped += textwrap.wrap(f"note: {note}", WIDTH, subsequent_indent="  ")
    return "\n".join(wrapped)
