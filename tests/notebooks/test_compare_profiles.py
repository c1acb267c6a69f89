"""Notebook 02 (through papermill, exported to HTML) shows the differential flame graph of a
regressed route when both runs kept a profile, and only a line saying why when they did not.
Runs of a real profiled service, recorded over real HTTP."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import papermill
import pytest

from perfkit.reports.export import export_html
from tests.notebooks.conftest import REPO
from tests.profiling.profiled_runs import ADDED, READS_THE_PROFILED_PAIR, copy_pair

# an SVG output of the notebook, inlined by the export as a data URI
SVG_IMAGE = (
    r'data-mime-type="image/svg\+xml"[^>]*>\s*<img [^>]*src="data:image/svg\+xml;base64,([^"]+)"'
)
NOTEBOOK = REPO / "perfkit" / "resources" / "notebooks" / "02-compare.ipynb"


def _run(runs: Path, folder: Path) -> tuple[str, str]:
    """Notebook 02 on ``runs`` (previous vs latest): what it printed, and its HTML page."""
    executed = folder / "02.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(executed), cwd=str(folder), kernel_name="perfkit",
        progress_bar=False, parameters={"history": str(runs), "reports": str(folder / "r")},
    )  # fmt: skip
    printed = "".join(
        "".join(o.get("text", ""))
        for cell in json.loads(executed.read_text())["cells"]
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream"
    )
    page = export_html(executed, folder / "02.html").html.read_text()
    return printed, page


@READS_THE_PROFILED_PAIR
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_notebook_02_draws_the_regressed_routes_flame_graph(
    tmp_path: Path, profiled_pair: tuple[Path, Path]
) -> None:
    copy_pair(profiled_pair, tmp_path / "runs")
    printed, page = _run(tmp_path / "runs", tmp_path)
    assert "verdict: REGRESSED" in printed
    assert re.search(rf"work: GET /work/\{{n\}} \+[\d.]+ ms CPU per request, [\d.]+ ms of it in "
                     rf"`{re.escape(ADDED)}`", printed), printed  # fmt: skip
    svgs = re.findall(SVG_IMAGE, page)
    assert len(svgs) == 1  # inline in the page, nothing fetched
    svg = base64.b64decode(svgs[0]).decode()
    assert f"<title>{ADDED}: base" in svg and "href" not in svg
    assert "<script" not in page

    for kept in tmp_path.glob("runs/*.profile.json.gz"):
        kept.unlink()
    (tmp_path / "again").mkdir()
    printed, page = _run(tmp_path / "runs", tmp_path / "again")
    assert "no flame graph: these runs kept no profiles" in printed
    assert re.findall(SVG_IMAGE, page) == []
