"""The analytics report on disk: JSON and its Markdown rendering, written atomically.

``reports/mcp-analytics/mcp-analytics-<UTC ts>.json`` beside ``...-<UTC ts>.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from perfkit.atomic import write_bytes
from perfkit.paths import ANALYTICS_DIR

DEFAULT_DIR = ANALYTICS_DIR


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    s = report["sections"]
    lines = [
        *_summary_lines(report),
        "",
        "## Health score",
        "",
        *_health_lines(s["health"]),
        "",
        "## Routes",
        "",
        *_route_lines(s["routes"]),
        "",
        "## Alerts",
        "",
        *_alert_lines(s["alerts"]),
        "",
        "## Recommendations",
        "",
        *_recommendation_lines(s["recommendations"]),
    ]
    if "comparison" in s:
        lines += ["", *comparison_markdown(s["comparison"])]
    return "\n".join(lines) + "\n"


def _summary_lines(report: dict[str, Any]) -> list[str]:
    """The title, where the report came from, its status and the key metrics."""
    summary = report["sections"]["executive_summary"]
    km = summary["key_metrics"]
    return [
        f"# {report['title']}",
        "",
        f"Generated {report['generated_at']} from "
        f"{report['source'].get('kind')} {report['source'].get('run_id', '')}".rstrip(),
        "",
        f"**Status: {summary['status']}** - health score **{summary['health_score']}/100**",
        "",
        *_table(
            ["total requests", "average response (ms)", "cache hit rate (%)", "Redis"],
            [
                [
                    km["total_requests"],
                    km["average_response_time"],
                    km["cache_hit_rate"],
                    km["redis_status"],
                ]
            ],
        ),
    ]


def _health_lines(health: dict[str, Any]) -> list[str]:
    """The deductions, the rules not measured, Apdex and the error budget."""
    if health["deductions"]:
        lines = _table(
            ["rule", "points", "figure", "limit"],
            [[d["rule"], -d["points"], d["figure"], d["limit"]] for d in health["deductions"]],
        )
    else:
        lines = ["No deductions."]
    if health["not_measured"]:
        lines += ["", "Not measured (no deduction): " + ", ".join(health["not_measured"])]
    apdex, budget = health["apdex"], health["error_budget"]
    if apdex is not None:
        lines += [
            "",
            f"Apdex (T = {apdex['t_ms']:g} ms): **{_fmt(apdex['score'])}** "
            f"({apdex['rating']}; {apdex['satisfied']} satisfied, {apdex['tolerating']} "
            f"tolerating, {apdex['frustrated']} frustrated)",
        ]
    return [
        *lines,
        "",
        f"Error budget (SLO {budget['slo']:.3%}): error ratio "
        f"{budget['error_ratio']:.4%}, burn rate **{budget['burn_rate']:g}x**",
    ]


def _route_lines(routes: list[dict[str, Any]]) -> list[str]:
    return _table(
        ["route", "requests", "errors", "mean ms", "p95 ms", "p99 ms", "slow"],
        [
            [r["route"], r["count"], r["errors"], r["mean_ms"], r["p95_ms"], r["p99_ms"], r["slow"]]
            for r in routes
        ],
    )


def _alert_lines(alerts: list[dict[str, Any]]) -> list[str]:
    return [f"- **{a['severity']}** {a['message']} (limit {a['threshold']})" for a in alerts] or [
        "None."
    ]


def _recommendation_lines(recommendations: list[dict[str, Any]]) -> list[str]:
    return [
        f"- **{r['priority']}** {r['route'] or 'service'}: {r['figure']} - {r['action']}"
        for r in recommendations
    ] or ["None: nothing in the data calls for action."]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def comparison_markdown(comparison: dict[str, Any]) -> list[str]:
    """The pre/post table of a `Comparison.to_dict()`: its headline (the outcome), then
    what moved first, then the rest. Reports written before the outcome existed say the
    metrics' verdict only."""
    outcome = comparison.get("outcome", comparison["verdict"])
    lines = [
        f"## Comparison: {comparison['base']} -> {comparison['candidate']}",
        "",
        *([f"**{comparison['headline']}**", ""] if comparison.get("headline") else []),
        f"Outcome **{outcome}** (metrics: {comparison['verdict']}; evidence: "
        f"{comparison['evidence']}" + (", weak" if comparison["weak"] else "")
        + f"); threshold {comparison['threshold']:.0%}, family-wise alpha "
        f"{comparison['alpha']:.0%}",
        "",
    ]  # fmt: skip
    rows = []
    for ep in [comparison["overall"], *comparison["endpoints"]]:
        for m in ep["metrics"].values():
            ci = m["ci"]
            rows.append(
                [
                    ep["endpoint"],
                    m["metric"],
                    m["base"],
                    m["candidate"],
                    _pct(m["change"]),
                    "n/a" if ci is None else f"{_pct(ci[0])} .. {_pct(ci[1])}",
                    _pct(m["smallest_detectable"]),
                    m["verdict"],
                    m["reason"],
                ]
            )
    rows.sort(key=lambda r: r[7] == "unchanged")  # stable: what moved comes first
    header = ["endpoint", "metric", "base", "candidate", "change", "95% CI", "detectable",
              "verdict", "why"]  # fmt: skip
    lines += _table(header, rows)
    lines += [f"- {note}" for note in comparison["notes"]]
    return lines


def write_report(
    report: dict[str, Any], out_dir: Path = DEFAULT_DIR, *, now: datetime
) -> tuple[Path, Path]:
    """Write the JSON and the Markdown; returns their paths."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = out_dir / f"mcp-analytics-{stamp}.json"
    md_path = out_dir / f"mcp-analytics-{stamp}.md"
    write_bytes(json_path, orjson.dumps(report, option=orjson.OPT_INDENT_2))
    write_bytes(md_path, render_markdown(report).encode())
    return json_path, md_path
