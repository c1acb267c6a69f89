"""The two index pages of a suite run: ``html/<stamp>/index.html`` inside the archive and
``html/index.html`` at the top, the same dashboard with links relative to each page."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from perfkit.atomic import write_text
from perfkit.reports import dashboard_page
from perfkit.reports.archive import archives
from perfkit.reports.dashboard import DashboardState, newest
from perfkit.reports.dashboard_page import Link

ARTIFACTS = (
    ("latest baseline (JSON)", "performance", "baseline-*.json"),
    ("latest baseline summary", "performance", "baseline-summary-*.md"),
    ("latest smoke run (JSON)", "performance", "smoke-*.json"),
    ("latest smoke summary", "performance", "smoke-summary-*.md"),
    ("latest analytics report", "mcp-analytics", "*.json"),
    ("latest analytics summary", "mcp-analytics", "*.md"),
)


class Report(Protocol):
    """What the index shows of one notebook's report (`perfkit.reports.suite.NotebookResult`)."""

    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def seconds(self) -> float: ...
    @property
    def html(self) -> Path | None: ...
    @property
    def error(self) -> str | None: ...


def _href(target: Path, page_dir: Path) -> str:
    return Path(os.path.relpath(target, page_dir)).as_posix()


def _page(
    page_dir: Path,
    *,
    reports_dir: Path,
    current: Path,
    results: Sequence[Report],
    state: DashboardState,
    now: datetime,
) -> str:
    reports = [
        (
            Link(
                r.name,
                _href(r.html, page_dir) if r.html else "",
                r.name,
                f"{r.seconds:.1f} s" + (f"; {r.error}" if r.error else ""),
            ),
            r.ok,
        )
        for r in results
    ]
    artifacts = []
    for label, folder, pattern in ARTIFACTS:
        found = newest(reports_dir / folder, pattern)
        if found is not None:
            artifacts.append(Link(label, _href(found, page_dir), found.name))
    earlier = [
        Link(folder.name, _href(folder / "index.html", page_dir), "dashboard and reports")
        for folder in archives(current.parent)
        if folder != current
    ]
    return dashboard_page.render(state, reports, artifacts, earlier, now)


def write_indexes(
    reports_dir: Path,
    archive: Path,
    results: Sequence[Report],
    state: DashboardState,
    now: datetime,
) -> Path:
    """Write the archive's index and the top one (``html/index.html``); return the top."""
    for page_dir in (archive, archive.parent):
        write_text(page_dir / "index.html",
                   _page(page_dir, reports_dir=reports_dir, current=archive,
                         results=results, state=state, now=now))  # fmt: skip
    return archive.parent / "index.html"
