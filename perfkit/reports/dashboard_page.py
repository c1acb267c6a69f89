"""The dashboard page (``index.html``): the answers first, then the reports and archives.

Pure: takes the gathered `DashboardState` and the links, returns one self-contained HTML
page (inline CSS, charts as inline SVG, no script, nothing fetched).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from perfkit.reports import plots
from perfkit.reports.dashboard import DashboardState
from perfkit.reports.headline import Headline


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    text: str
    note: str = ""


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#101828;
background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1.5em}
h1{margin:0 0 0.2em 0}h2{margin:1.6em 0 0.6em 0;font-size:1.2em}
.meta{color:#475467;margin:0 0 1em 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1em}
.card{background:#fff;border:1px solid #e4e7ec;border-radius:6px;padding:0.6em 0.9em}
.card h3{margin:0.2em 0;font-size:0.95em;color:#475467;text-transform:uppercase;
letter-spacing:0.04em}
.trends{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:0.8em}
.trend svg{width:100%;height:auto}
table{border-collapse:collapse;background:#fff}td,th{padding:4px 12px;text-align:left;
border-bottom:1px solid #e4e7ec}
.failed{color:#b42318;font-weight:600}.ok{color:#1a7f37}
.flame svg{width:100%;height:auto}.flame code{font-size:0.9em}
"""


def _card(title: str, block: Headline | None, absent: str) -> str:
    body = block._repr_html_() if block is not None else f"<p>{html.escape(absent)}</p>"
    return f'<div class="card"><h3>{html.escape(title)}</h3>{body}</div>'


def _trend_cards(state: DashboardState) -> str:
    colours = plots.endpoint_colours([s.endpoint for s in state.trends])
    cards = []
    for series in state.trends:
        if not series.times:
            continue
        latest = series.p95_ms[-1]
        svg = plots.svg_text(
            plots.p95_sparkline(series.times, series.p95_ms, colours[series.endpoint])
        )
        cards.append(
            f'<div class="card trend"><h3>{html.escape(series.endpoint)}</h3>'
            f"<div>latest p95 <b>{latest:,.1f} ms</b></div>{svg}</div>"
        )
    return "".join(cards)


def _flamegraphs(state: DashboardState) -> str:
    """A section per regressed route with kept profiles (none when there is none): its
    profile line and its differential flame graph, inline SVG."""
    if not state.flamegraphs:
        return ""
    cards = "".join(
        f'<div class="card flame"><h3>{html.escape(r.endpoint)}</h3>'
        f"<p><code>{html.escape(r.summary())}</code></p>{r.svg()}</div>"
        for r in state.flamegraphs
    )
    return (
        "<h2>Where the regressed routes spent their time</h2><p class=meta>CPU per request, "
        "base vs candidate, from the profiles kept with the runs: red gained, blue lost "
        f"(hover a frame for its times)</p>{cards}"
    )


def _links(items: Sequence[Link], empty: str) -> str:
    if not items:
        return f"<p>{html.escape(empty)}</p>"
    rows = "".join(
        f'<li>{html.escape(i.label)}: <a href="{html.escape(i.href)}">{html.escape(i.text)}</a>'
        + (f" {html.escape(i.note)}" if i.note else "")
        + "</li>"
        for i in items
    )
    return f"<ul>{rows}</ul>"


def render(
    state: DashboardState,
    reports: Sequence[tuple[Link, bool]],
    artifacts: Sequence[Link],
    archives: Sequence[Link],
    generated: datetime,
) -> str:
    """``reports``: (link, ok) per notebook report; ``archives``: earlier suite runs."""
    report_rows = "".join(
        f'<tr><td><a href="{html.escape(link.href)}">{html.escape(link.text)}</a></td>'
        f'<td class="{"ok" if ok else "failed"}">{"ok" if ok else "FAILED"}</td>'
        f"<td>{html.escape(link.note)}</td></tr>"
        if link.href
        else f'<tr><td>{html.escape(link.text)}</td><td class="failed">FAILED</td>'
        f"<td>{html.escape(link.note)}</td></tr>"
        for link, ok in reports
    )
    missing = "".join(f"<li>{html.escape(m)}</li>" for m in state.missing)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>perfkit dashboard</title><style>{CSS}</style></head><body><main>"
        "<h1>perfkit dashboard</h1>"
        f'<p class="meta">Generated {generated:%Y-%m-%d %H:%M:%S} UTC</p>'
        '<div class="cards">'
        + _card("Health", state.health, "no health report")
        + _card("Last comparison", state.comparison, "no comparison")
        + _card("Smoke verdict of the newest run", state.smoke, "no run yet")
        + "</div>"
        + _flamegraphs(state)
        + f"<h2>p95 latency per endpoint</h2><p class=meta>{html.escape(state.series_label)}</p>"
        + f'<div class="trends">{_trend_cards(state)}</div>'
        + f"<h2>Reports</h2><table><tr><th>report</th><th>status</th><th></th></tr>{report_rows}"
        + "</table><h2>Artifacts</h2>"
        + _links(artifacts, "none yet")
        + "<h2>Earlier reports</h2>"
        + _links(archives, "none yet: this is the first archived suite run")
        + (f"<h2>Not shown</h2><ul>{missing}</ul>" if missing else "")
        + "</main></body></html>"
    )
