"""The analysis notebooks on a history of runs from other tools, each file written by the
real tool in the test: per-request (k6), histogram (wrk2) and summary (Locust, wrk) runs
of one target, imported under one label, compared, trended and scored by papermill."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from perfkit.importers import import_files
from tests.importers.tools import k6_csv, locust_csv, wrk2_report, wrk_report

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "perfkit" / "resources" / "notebooks"


def _printed(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "".join(
        "".join(output.get("text", ""))
        for cell in cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


@pytest.mark.slow
def test_compare_trends_and_health_notebooks_read_runs_of_every_precision(
    status_url: str, tmp_path: Path
) -> None:
    history = tmp_path / "history"
    made = tmp_path / "made"
    made.mkdir()
    files = {
        "k6": [k6_csv(status_url, made, requests=60)],
        "wrk2": [wrk2_report(f"{status_url}/ok", made)],
        "locust": [next(p for p in locust_csv(status_url, made) if p.name == "run_stats.csv")],
        "wrk": [wrk_report(f"{status_url}/ok", made)],
    }
    for tool, paths in files.items():  # in this order: the wrk summary is the latest run
        import_files(tool, paths, history, target="svc", scenario="mixed")
    precisions = {json.loads(p.read_text())["precision"] for p in history.glob("baseline-*.json")}
    assert precisions == {"per-request", "histogram", "summary"}
    for name in ("02-compare", "03-trends", "04-health-analytics"):
        out = tmp_path / f"{name}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOKS / f"{name}.ipynb"), str(out), cwd=str(tmp_path), kernel_name="perfkit",
            progress_bar=False, parameters={"history": str(history), "reports": str(tmp_path)},
        )  # fmt: skip
        if name == "02-compare":  # Locust's summary against wrk's: what neither printed is named
            assert "not available from a" in _printed(out), _printed(out)[-2000:]
