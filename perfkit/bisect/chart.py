"""The bisect chart: each commit tried, its change vs GOOD with the 95 % interval, in
history order, as a self-contained SVG (no script, no external reference)."""

from __future__ import annotations

from html import escape

from perfkit.bisect.session import BisectResult

_W, _H, _LEFT, _BOTTOM, _TOP = 720.0, 300.0, 60.0, 40.0, 30.0
_COLOURS = {"good": "#2a9d4b", "bad": "#d62728", "skip": "#888888"}


def chart_svg(result: BisectResult) -> str:
    points = [
        (result.commits.index(t.commit), t) for t in result.tried if t.commit in result.commits
    ]
    spans = [
        v
        for _, t in points
        if t.judgement is not None
        for v in ((t.judgement.ci or (0.0, 0.0)) + (t.judgement.change or 0.0,))
    ]
    low, high = min([0.0, *spans]), max([0.1, *spans])
    n = len(result.commits)
    plot_w, plot_h = _W - _LEFT - 20, _H - _BOTTOM - _TOP

    def x(i: int) -> float:
        return _LEFT + (i + 0.5) * plot_w / n

    def y(v: float) -> float:
        return _TOP + (high - v) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W:.0f}" height="{_H:.0f}" '
        f'viewBox="0 0 {_W:.0f} {_H:.0f}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{_LEFT}" y="18" font-size="13" font-weight="bold">'
        f"{escape(result.endpoint)} {escape(result.metric)}: change vs GOOD per commit tried "
        "(95 % interval)</text>",
        f'<line x1="{_LEFT}" x2="{_W - 20}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#999"/>',
    ]
    for frac in (low, high):
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y(frac) + 4:.1f}" text-anchor="end">{frac:+.0%}</text>'
        )
    for i, t in points:
        colour = _COLOURS[t.outcome]
        label = f"{i + 1}"
        parts.append(
            f'<text x="{x(i):.1f}" y="{_H - _BOTTOM + 16:.1f}" text-anchor="middle">{label}</text>'
        )
        j = t.judgement
        if j is None or j.change is None:
            parts.append(
                f'<text x="{x(i):.1f}" y="{y(0) - 6:.1f}" text-anchor="middle" fill="{colour}">'
                "skip</text>"
            )
            continue
        if j.ci is not None:
            parts.append(
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(j.ci[0]):.1f}" '
                f'y2="{y(j.ci[1]):.1f}" stroke="{colour}" stroke-width="2"/>'
            )
        tip = f"{t.commit[:12]} {t.subject}: {t.outcome}, {j.change:+.1%}"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(j.change):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append(
        f'<text x="{_LEFT}" y="{_H - 6:.0f}" fill="#444">commit number after GOOD '
        "(green good, red bad, grey skipped)</text></svg>\n"
    )
    return "".join(parts)
