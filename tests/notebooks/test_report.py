"""`perfkit report` end to end: papermill with injected parameters, HTML, index, failures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from perfkit.embedded import free_port

TINY = {"duration": "1", "warmup": "0.5", "keys": "3", "limit": "5", "window": "0.5",
        "limiter_seconds": "1.5", "phase_seconds": "1"}  # fmt: skip


def _report(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfkit", "report", "--out", "out", *args],
        cwd=project, capture_output=True, text=True, timeout=560,
    )  # fmt: skip


@pytest.mark.timeout(600)
def test_the_suite_runs_with_injected_parameters_and_exports_static_html(project: Path) -> None:
    result = _report(project, *(a for name, value in TINY.items() for a in ("-p", name, value)))
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
    for name in names:
        page = (out / "html" / f"{name}.html").read_text()
        assert (
            'class="jp-OutputArea-output" data-mime-type="application/vnd.jupyter.stderr"'
            not in page
            or name.startswith("05")
        )  # only the lab logs the fallback it shows
        assert "jp-RenderedText" in page or "<table" in page
        assert "Traceback" not in page and "ename" not in page
        assert "from perfkit" not in page  # code hidden by default
    for name in ("01-baseline", "02-compare", "03-trends", "04-health-analytics",
                 "05-cache-ratelimit-lab"):  # fmt: skip
        assert "data:image/png;base64," in (out / "html" / f"{name}.html").read_text()
    index = (out / "html" / "index.html").read_text()
    for name in names:
        assert f'href="{name}.html"' in index
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
    index = (project / "out" / "html" / "index.html").read_text()
    assert "FAILED" in index and 'href="03-trends.html"' in index


def test_bad_parameters_are_refused_before_anything_runs(project: Path) -> None:
    unknown = _report(project, "-p", "durration", "2")
    assert unknown.returncode == 2
    assert "unknown parameter(s) durration" in unknown.stderr
    wrong = _report(project, "-p", "keys", "many")
    assert wrong.returncode == 2 and "parameter 'keys' must be int" in wrong.stderr
    assert not (project / "out").exists()
