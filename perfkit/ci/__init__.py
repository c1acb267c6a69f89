"""What a CI system reads from perfkit: JUnit XML and a Markdown summary of a smoke run or a
comparison, built from one neutral list of checks (`perfkit.ci.checks`)."""

from __future__ import annotations

from perfkit.ci.checks import Check, Outcome, comparison_outcome, smoke_outcome
from perfkit.ci.junit import render_junit
from perfkit.ci.summary import render_summary

__all__ = [
    "Check",
    "Outcome",
    "comparison_outcome",
    "render_junit",
    "render_summary",
    "smoke_outcome",
]
