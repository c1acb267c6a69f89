"""Analysis of runs: compare, history gate, trends with change points, health, analytics.

The pure core works on `RunData` (`perfkit.analysis.data`); `perfkit.analysis.adapt`
builds it from a stored run. See docs/explanation/analysis.md for the methods and their
sources (asv, Bencher, Hunter/otava, Apdex, the SRE workbook).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfkit.analysis.adapt import compare_stored, load_run_data, run_data, stored_run_data
    from perfkit.analysis.artifacts import render_markdown, write_report
    from perfkit.analysis.changepoints import ChangePoint, detect_change_points
    from perfkit.analysis.compare import (
        CompareOptions,
        Comparison,
        compare_runs,
        compare_to_history,
    )
    from perfkit.analysis.data import EndpointData, RunData, endpoint_from_samples
    from perfkit.analysis.health import (
        Apdex,
        ErrorBudget,
        HealthInputs,
        HealthScore,
        apdex,
        error_budget,
        health_score,
    )
    from perfkit.analysis.report import (
        AnalyticsOptions,
        analytics_from_live,
        analytics_from_run,
        build_report,
    )

# eager: the function `trends` shares its name with its module, which would hide it
from perfkit.analysis.trends import Trend, gate_run, trend_frame, trends

#: where each name lives: imported on first use, so that ``import perfkit.analysis.trends``
#: (a trend over the index) does not load the verdict's scipy.stats, the report's
#: dependencies and the samples' Parquet reader (~80 MB of a 300 MB budget)
_HOME = {
    "AnalyticsOptions": "report",
    "Apdex": "health",
    "ChangePoint": "changepoints",
    "CompareOptions": "compare",
    "Comparison": "compare",
    "EndpointData": "data",
    "ErrorBudget": "health",
    "HealthInputs": "health",
    "HealthScore": "health",
    "RunData": "data",
    "analytics_from_live": "report",
    "analytics_from_run": "report",
    "apdex": "health",
    "build_report": "report",
    "compare_runs": "compare",
    "compare_stored": "adapt",
    "compare_to_history": "compare",
    "detect_change_points": "changepoints",
    "endpoint_from_samples": "data",
    "error_budget": "health",
    "health_score": "health",
    "load_run_data": "adapt",
    "render_markdown": "artifacts",
    "run_data": "adapt",
    "stored_run_data": "adapt",
    "write_report": "artifacts",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "AnalyticsOptions",
    "Apdex",
    "ChangePoint",
    "CompareOptions",
    "Comparison",
    "EndpointData",
    "ErrorBudget",
    "HealthInputs",
    "HealthScore",
    "RunData",
    "Trend",
    "analytics_from_live",
    "analytics_from_run",
    "apdex",
    "build_report",
    "compare_runs",
    "compare_stored",
    "compare_to_history",
    "detect_change_points",
    "endpoint_from_samples",
    "error_budget",
    "gate_run",
    "health_score",
    "load_run_data",
    "render_markdown",
    "run_data",
    "stored_run_data",
    "trend_frame",
    "trends",
    "write_report",
]
