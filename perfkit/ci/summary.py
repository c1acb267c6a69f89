"""A short Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment: the
verdict, the health score, and the table of what failed or moved."""

from __future__ import annotations

from perfkit.ci.checks import Outcome

MAX_ROWS = 30  # a step summary is read at a glance; the JUnit report has every check


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_summary(outcome: Outcome) -> str:
    verdict = "PASS" if outcome.passed else "FAIL"
    icon = ":white_check_mark:" if outcome.passed else ":x:"
    lines = [f"### {icon} {outcome.title}: {verdict}", ""]
    if outcome.health_score is not None:
        lines.append(f"- Health score: **{outcome.health_score:.0f}/100**")
    lines += [f"- {fact}" for fact in outcome.facts]
    shown = outcome.failures + [c for c in outcome.checks if c.passed and c.moved]
    lines.append("")
    if not shown:
        lines.append(f"All {len(outcome.checks)} checks passed; nothing moved.")
        return "\n".join(lines) + "\n"
    lines += ["| check | result | detail |", "|---|---|---|"]
    for check in shown[:MAX_ROWS]:
        result = "pass" if check.passed else "**FAIL**"
        lines.append(f"| {_cell(check.name)} | {result} | {_cell(check.message)} |")
    if len(shown) > MAX_ROWS:
        lines.append(f"| ... | | {len(shown) - MAX_ROWS} more in the JUnit report |")
    lines.append("")
    lines.append(f"{len(outcome.failures)} of {len(outcome.checks)} checks failed.")
    return "\n".join(lines) + "\n"
