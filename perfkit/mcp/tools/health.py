"""``health_report``: the analytics report of a recorded run or of a live service.

The same report as ``perfkit analytics [RUN] [--base RUN] [--live URL] --json`` (score,
deductions, alerts, recommendations, and with a base run the pre/post comparison). The
tool reads; it does not write the report to disk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from mcp.server import MCPServer
from pydantic import Field

from perfkit.analysis import AnalyticsOptions, analytics_from_live, analytics_from_run
from perfkit.analysis import stored_run_data as run_data_of
from perfkit.analysis.indexed import full_run, noise_runs
from perfkit.errors import InputError
from perfkit.live import analytics_documents
from perfkit.mcp.context import ServerContext
from perfkit.mcp.locate import catalog_of, find_pair, find_run
from perfkit.mcp.models import HealthReport
from perfkit.mcp.tools.history import READ_ONLY, HistoryFolder

_LIVE_TIMEOUT_S = 10.0


def _health_report(source: Literal["run", "live"], report: dict[str, Any]) -> HealthReport:
    summary = report["sections"]["executive_summary"]
    return HealthReport(
        source=source,
        status=summary["status"],
        health_score=summary["health_score"],
        headline=summary["headline"],
        report=report,
    )


def register(server: MCPServer, ctx: ServerContext) -> None:
    config, guard = ctx.config, ctx.guard

    @server.tool(annotations=READ_ONLY)
    def health_report(
        run: Annotated[
            str | None, Field(description="a recorded run: latest, previous, a run id or file")
        ] = None,
        url: Annotated[
            str | None, Field(description="instead of a run: a live service on the allow-list")
        ] = None,
        base: Annotated[
            str | None, Field(description="with run: a base run for a pre/post comparison")
        ] = None,
        history: HistoryFolder = None,
        force: Annotated[bool, Field(description="compare runs of different targets")] = False,
    ) -> HealthReport:
        """The analytics report: health score, deductions, alerts and recommendations.

        Of a recorded run (default: the latest), or of a running service given by ``url``."""
        with guard.tool():
            if url is not None and (run is not None or base is not None):
                raise InputError("give either url (a live service) or run (and base), not both")
            options = AnalyticsOptions.from_settings(config.settings)
            now = datetime.now(UTC)
            if url is not None:
                root = config.allowed_target(url)
                with httpx.Client(timeout=_LIVE_TIMEOUT_S) as client:
                    documents = analytics_documents(client, root)
                report = analytics_from_live(*documents, options=options, now=now)
                return guard.clean(_health_report("live", report))
            catalog = catalog_of(config, history)
            if base is None:
                entry, paired = find_run(config, run or "latest", catalog), None
            else:
                pair = find_pair(config, base, run or "latest", catalog)
                entry, paired = pair.candidate, pair.base
            chosen = full_run(entry)
            report = analytics_from_run(
                run_data_of(chosen),
                None if paired is None else run_data_of(full_run(paired)),
                history=() if paired is None else noise_runs(catalog, paired, entry),
                options=options,
                force=force,
                now=now,
            )
            return guard.clean(_health_report("run", report))
