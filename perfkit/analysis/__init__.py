"""Analysis of runs: compare, history gate, trends with change points, health, analytics.

The pure core works on `RunData` (`perfkit.analysis.data`); `perfkit.analysis.adapt`
builds it from a stored run. See docs/explanation/analysis.md for the methods and their
sources (asv, Bencher, Hunter/otava, Apdex, the SRE workbook).
"""

from __future__ import annotations

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
from perfkit.analysis.trends import Trend, gate_run, trend_frame, trends

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
