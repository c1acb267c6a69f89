"""Where perfkit writes by default, relative to the working directory.

Kept apart from the modules that write there, so the CLI can show these defaults without
importing pyarrow, scipy and the rest.
"""

from __future__ import annotations

from pathlib import Path

REPORTS_DIR = Path("reports")
RUNS_DIR = REPORTS_DIR / "performance"
ANALYTICS_DIR = REPORTS_DIR / "mcp-analytics"
