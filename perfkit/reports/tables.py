"""The tables the notebooks show, as pandas DataFrames built from perfkit's own objects.

Pure: each function takes a run, a comparison, trends or verdicts and returns a frame
with readable column names (milliseconds and percentages in the name), nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from perfkit.analysis.compare import Comparison, EndpointComparison, MetricVerdict
from perfkit.analysis.trends import Trend
from perfkit.runs.model import Run, Stats


def _stats_row(name: str, category: str, stats: Stats) -> dict[str, object]:
    lat = stats.latency
    return {
        "endpoint": name,
        "category": category,
        "requests": stats.count,
        "req/s": round(stats.throughput_rps, 1),
        "errors": stats.errors,
        "error %": round(100 * stats.error_rate, 2),
        "p50 ms": lat.p50_ms,
        "p95 ms": lat.p95_ms,
        "p99 ms": lat.p99_ms,
        "max ms": lat.max_ms,
    }


def run_table(run: Run) -> pd.DataFrame:
    """One row per endpoint, then ``overall``: requests, throughput, errors, percentiles."""
    rows = [_stats_row(e.name, e.category, e.stats) for e in run.endpoints]
    rows.append(_stats_row("overall", "", run.overall))
    return pd.DataFrame(rows).set_index("endpoint")


def smoke_table(run: Run) -> pd.DataFrame:
    """The smoke verdict: criterion, measured, limit, pass/FAIL (empty without a verdict)."""
    criteria = run.smoke.criteria if run.smoke is not None else []
    return pd.DataFrame(
        [
            {
                "criterion": c.name,
                "measured": f"{c.measured:g} {c.unit}",
                "limit": f"<= {c.limit:g} {c.unit}",
                "verdict": "pass" if c.passed else f"FAIL {c.detail}".rstrip(),
            }
            for c in criteria
        ],
        columns=["criterion", "measured", "limit", "verdict"],
    )


def _pct(change: float | None) -> float | None:
    return None if change is None else round(100 * change, 1)


def _ci(m: MetricVerdict) -> str:
    ci = m.test.ci
    return "" if ci is None else f"{100 * ci[0]:+.1f} .. {100 * ci[1]:+.1f}"


def _endpoint_rows(ec: EndpointComparison) -> list[dict[str, object]]:
    return [
        {
            "endpoint": ec.endpoint,
            "metric": m.metric,
            "base": round(m.base, 3),
            "candidate": round(m.candidate, 3),
            "change %": _pct(m.change),
            "95% CI %": _ci(m),
            "detectable %": _pct(m.test.detectable),
            "verdict": m.verdict,
            "why": m.reason,
            "noise": "" if m.test.noise is None else m.test.noise.source,
        }
        for m in ec.metrics.values()
    ]


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """One row per (endpoint, metric): base, candidate, change % with its 95 % interval,
    the smallest change the data could detect, the verdict, why, and the noise source."""
    rows = [r for ec in [comparison.overall, *comparison.endpoints] for r in _endpoint_rows(ec)]
    return pd.DataFrame(rows).set_index(["endpoint", "metric"])


def verdict_summary(comparison: Comparison) -> pd.DataFrame:
    """One row per endpoint: its verdict and the metrics that moved."""
    rows = []
    for ec in [comparison.overall, *comparison.endpoints]:
        moved = [
            f"{m.metric} {_pct(m.change):+.1f}%"
            for m in ec.metrics.values()
            if m.verdict != "unchanged" and m.change is not None
        ]
        rows.append({"endpoint": ec.endpoint, "verdict": ec.verdict, "moved": ", ".join(moved)})
    return pd.DataFrame(rows).set_index("endpoint")


def change_point_table(trends: Sequence[Trend]) -> pd.DataFrame:
    """Every change point found: where (run, time), the metric and the size of the step."""
    rows = [
        {
            "endpoint": t.endpoint,
            "metric": t.metric,
            "run": t.run_ids[cp.index],
            "started": t.times[cp.index].strftime("%Y-%m-%d %H:%M"),
            "before": round(cp.mean_before, 3),
            "after": round(cp.mean_after, 3),
            "change %": _pct(cp.change),
        }
        for t in trends
        for cp in t.change_points
    ]
    columns = ["endpoint", "metric", "run", "started", "before", "after", "change %"]
    return pd.DataFrame(rows, columns=columns)


def most_changed_endpoint(comparison: Comparison, metric: str = "p50") -> str:
    """The endpoint whose ``metric`` changed most (either way); ``overall`` if none did."""
    changes = [
        (abs(ec.metrics[metric].change or 0.0), ec.endpoint)
        for ec in comparison.endpoints
        if metric in ec.metrics and ec.metrics[metric].change is not None
    ]
    return max(changes)[1] if changes else "overall"


# -- the analytics report (the dict of `perfkit.analysis.analytics_from_run`) ---------------


def _sections(report: Mapping[str, Any]) -> Mapping[str, Any]:
    sections: Mapping[str, Any] = report["sections"]
    return sections


def key_metrics_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """Status, score and the key metrics, one per row."""
    summary = _sections(report)["executive_summary"]
    rows = {"status": summary["status"], "health score": summary["health_score"]}
    rows.update(summary["key_metrics"])
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))


def deductions_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """Each deduction from 100 with its figure; inputs not measured are listed with 0."""
    health = _sections(report)["health"]
    rows = [dict(d) for d in health["deductions"]]
    rows += [{"rule": name, "points": 0, "message": "not measured"}
             for name in health["not_measured"]]  # fmt: skip
    return pd.DataFrame(rows, columns=["rule", "points", "figure", "limit", "message"])


def apdex_budget_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """Apdex (T, score, rating, counts) and the error budget (SLO, ratio, burn rate)."""
    health = _sections(report)["health"]
    rows = {f"apdex {k}": v for k, v in (health.get("apdex") or {}).items()}
    rows.update({f"budget {k}": v for k, v in health["error_budget"].items()})
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))


def alerts_table(report: Mapping[str, Any]) -> pd.DataFrame:
    columns = ["severity", "rule", "route", "value", "threshold", "message"]
    return pd.DataFrame(_sections(report)["alerts"], columns=columns)


def recommendations_table(report: Mapping[str, Any]) -> pd.DataFrame:
    columns = ["priority", "route", "figure", "action"]
    return pd.DataFrame(_sections(report)["recommendations"], columns=columns)
