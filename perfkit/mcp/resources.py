"""Resources by URI: each run's JSON and Markdown summary, the latest analytics report,
and the HTML reports index.

::

    perfkit://runs/{run_id}/json          the run document (application/json)
    perfkit://runs/{run_id}/summary       its Markdown summary (text/markdown)
    perfkit://analytics/latest            the newest analytics report in <reports>/mcp-analytics
    perfkit://analytics/latest/markdown   the same report in Markdown
    perfkit://reports/index               <reports>/html/index.html, the notebook suite's index

``run_id`` is a run id or a run's file name; runs are looked up in the server's history
folders only. A run without its Markdown file on disk gets the summary perfkit renders
from the run (the text `perfkit.runs.artifacts` writes).
"""

from __future__ import annotations

from pathlib import Path

from mcp.server import MCPServer

from perfkit.errors import InputError
from perfkit.mcp.context import ServerContext
from perfkit.mcp.locate import find_run_anywhere
from perfkit.runs.summary import render_summary

_ANALYTICS = "mcp-analytics"


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path.name} cannot be read ({exc.strerror})") from None


def _summary_path(run_json: Path, kind: str) -> Path:
    """``<kind>-<stamp>.json`` -> ``<kind>-summary-<stamp>.md`` (the artifact names)."""
    stamp = run_json.stem.removeprefix(f"{kind}-")
    return run_json.with_name(f"{kind}-summary-{stamp}.md")


def _latest_report(reports_dir: Path, suffix: str) -> Path:
    folder = reports_dir / _ANALYTICS
    found = sorted(folder.glob(f"mcp-analytics-*{suffix}")) if folder.is_dir() else []
    if not found:
        raise InputError(f"no analytics report in {folder} yet (perfkit analytics writes one)")
    return found[-1]


def register(server: MCPServer, ctx: ServerContext) -> None:
    config, guard = ctx.config, ctx.guard

    @server.resource("perfkit://runs/{run_id}/json", mime_type="application/json")
    def run_json(run_id: str) -> str:
        """A recorded run: the whole JSON document."""
        with guard.resource():
            return guard.redactor.text(_text(find_run_anywhere(config, run_id).path))

    @server.resource("perfkit://runs/{run_id}/summary", mime_type="text/markdown")
    def run_summary_markdown(run_id: str) -> str:
        """A recorded run's Markdown summary."""
        with guard.resource():
            stored = find_run_anywhere(config, run_id)
            path = _summary_path(stored.path, stored.run.kind)
            text = _text(path) if path.is_file() else render_summary(stored.run)
            return guard.redactor.text(text)

    @server.resource("perfkit://analytics/latest", mime_type="application/json")
    def latest_analytics() -> str:
        """The newest analytics report (JSON) written by perfkit analytics or perfkit report."""
        with guard.resource():
            return guard.redactor.text(_text(_latest_report(config.reports_dir, ".json")))

    @server.resource("perfkit://analytics/latest/markdown", mime_type="text/markdown")
    def latest_analytics_markdown() -> str:
        """The newest analytics report in Markdown."""
        with guard.resource():
            return guard.redactor.text(_text(_latest_report(config.reports_dir, ".md")))

    @server.resource("perfkit://reports/index", mime_type="text/html")
    def reports_index() -> str:
        """The HTML reports index of the notebook suite (perfkit report)."""
        with guard.resource():
            index = config.reports_dir / "html" / "index.html"
            if not index.is_file():
                raise InputError(f"no reports index at {index} yet (perfkit report writes it)")
            return guard.redactor.text(_text(index))
