"""`perfkit report` end to end: papermill with injected parameters, HTML, index, failures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from perfkit.embedded import free_port
from perfkit.reports.browser import check_pages, find_chromium
from tests.notebooks.conftest import make_project

# the two tests of the shared suite run stay on one xdist worker, so it is made once; the
# others run their own small reports and go to whichever worker is free
READS_THE_SUITE_RUN = pytest.mark.xdist_group("notebook-suite-run")

TINY = {"duration": "1", "warmup": "0.5", "keys": "3", "limit": "5", "window": "0.5",
        "limiter_seconds": "1.5", "phase_seconds": "1"}  # fmt: skip


def _report(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfkit", "report", "--out", "out", *args],
        cwd=project, capture_output=True, text=True, timeout=560,
    )  # fmt: skip


@pytest.fixture(scope="module")
def suite_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The whole suite once, small, in a project of its own (shared by the tests below)."""
    project = make_project(tmp_path_factory.mktemp("suite"))
    result = _report(project, *(a for name, value in TINY.items() for a in ("-p", name, value)))
    return project, result


@READS_THE_SUITE_RUN
@pytest.mark.timeout(600)
def test_the_suite_runs_with_injected_parameters_and_exports_static_html(
    suite_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    project, result = suite_run
    assert result.returncode == 0, result.stdout + result.stderr
    names = [p.stem for p in sorted((project / "notebooks").glob("*.ipynb"))]
    for name in names:  # a progress line per notebook
        assert re.search(rf"{name}\s+[\d.]+ s\s+ok", result.stdout), result.stdout
    assert "HTML reports:" in result.stdout
    out = project / "out"
    executed = nbformat.read(str(out / "notebooks" / "01-baseline.ipynb"), as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "duration = 1.0" in injected[0].source  # typed as the notebook's default
    assert "target_label = " in injected[0].source  # the reference service's stable label
    latest = out / "html" / "latest"
    for name in names:
        page = (latest / f"{name}.html").read_text()
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page  # in the notes
        assert ('class="perfkit-notes"' in page) == name.startswith("05")  # the lab's fallback
        assert page.index("perfkit-headline") < page.index("<h2")  # the answer first
        assert "<script" not in page and "cdnjs" not in page and "mathjax" not in page.lower()
        assert "jp-RenderedText" in page or "<table" in page
        assert "Traceback" not in page and "ename" not in page
        assert "from perfkit" not in page  # code hidden by default
    for name in ("01-baseline", "02-compare", "03-trends", "04-health-analytics",
                 "05-cache-ratelimit-lab"):  # fmt: skip
        assert "data:image/png;base64," in (latest / f"{name}.html").read_text()
    index = (out / "html" / "index.html").read_text()
    for name in names:
        assert f'href="{latest.resolve().name}/{name}.html"' in index
    assert "FAILED" not in index
    assert "baseline-" in index and "mcp-analytics-" in index  # the newest artifacts linked
    runs = list((out / "performance").glob("baseline-*.json"))
    assert len(runs) == 1


@pytest.mark.timeout(300)
def test_a_target_that_is_down_fails_the_baseline_in_one_line_and_the_rest_run(
    project: Path,
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = _report(project, "--target", down, "--only", "01", "--only", "03")
    assert result.returncode == 1
    failure = [line for line in result.stderr.splitlines() if "01-baseline" in line]
    assert len(failure) == 1 and "FAILED" in failure[0]
    assert f"InputError: target {down} is unreachable" in failure[0]
    assert re.search(r"03-trends\s+[\d.]+ s\s+ok", result.stdout)
    index = (project / "out" / "html" / "latest" / "index.html").read_text()
    assert "FAILED" in index and 'href="03-trends.html"' in index


def test_bad_parameters_are_refused_before_anything_runs(project: Path) -> None:
    unknown = _report(project, "-p", "durration", "2")
    assert unknown.returncode == 2
    assert "unknown parameter(s) durration" in unknown.stderr
    wrong = _report(project, "-p", "keys", "many")
    assert wrong.returncode == 2 and "parameter 'keys' must be int" in wrong.stderr
    assert not (project / "out").exists()


@READS_THE_SUITE_RUN
@pytest.mark.timeout(600)
def test_every_report_opens_cleanly_in_headless_chromium(
    suite_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    if find_chromium() is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install "
                    "chromium)")  # fmt: skip
    pytest.importorskip("playwright", reason="Playwright is the browser extra (make setup)")
    project, result = suite_run
    assert result.returncode == 0, result.stdout + result.stderr
    html = project / "out" / "html"
    pages = [html / "index.html", *sorted((html / "latest").glob("*.html"))]
    assert len(pages) == 8  # the top index, the archive's index, six reports
    checks = check_pages(pages, project / "out" / "screenshots")
    for check in checks:
        assert check.problems == [], (check.page, check.problems)
        assert check.screenshot is not None and check.screenshot.stat().st_size > 0
    by_name = {c.page.name: c for c in checks}
    assert by_name["01-baseline.html"].images >= 3  # CDF, histogram, over time
    assert by_name["index.html"].images >= 2  # a p95 sparkline per endpoint, inline SVG
