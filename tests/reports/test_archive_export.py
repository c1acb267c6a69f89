"""Suite runs archived by UTC timestamp, ``latest`` and retention; the exported page is
self-contained, opens with the headline and keeps log lines in a collapsed notes section.
Real papermill runs of a small notebook made here."""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest

from perfkit.errors import InputError
from perfkit.reports.suite import run_notebook, run_suite

NETWORK = re.compile(
    r"""(src|href)\s*=\s*["']?(https?:)?//|@import|cdnjs|unpkg|mathjax|require\.js""", re.I
)


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "perfkit", "display_name": "perfkit", "language": "python"}
    params = nbformat.v4.new_code_cell("label = 'x'")
    params.metadata["tags"] = ["parameters"]
    headline = nbformat.v4.new_code_cell(
        "from perfkit.reports.headline import Headline\n"
        "Headline('All good', 'good', 'what was measured', (('p95', '12 ms'),))"
    )
    headline.metadata["tags"] = ["headline"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nProse about $x^2$."),
        params,
        nbformat.v4.new_code_cell(
            "import logging\nlogging.basicConfig()\n"
            "logging.getLogger('lab').warning('Redis cache unavailable, using the fallback')\n"
            "print('first results')"
        ),
        headline,
    ]
    folder.mkdir()
    path = folder / "01-small.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_runs_are_archived_latest_follows_and_retention_removes_the_oldest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _notebook(tmp_path / "notebooks")
    reports = tmp_path / "reports"
    start = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
    for n in range(3):
        results = run_suite(tmp_path / "notebooks", reports, {}, keep=2,
                            now=start + timedelta(minutes=n))  # fmt: skip
        assert results[0].ok, results[0].error
    html_root = reports / "html"
    kept = sorted(p.name for p in html_root.iterdir() if p.is_dir() and not p.is_symlink())
    assert kept == ["2026-12-01T09-01-00Z", "2026-12-01T09-02-00Z"]  # the oldest went
    latest = html_root / "latest"
    assert latest.is_symlink() and latest.resolve() == (html_root / kept[1]).resolve()
    assert (latest / "01-small.html").is_file() and (latest / "index.html").is_file()
    top = (html_root / "index.html").read_text()
    assert 'href="2026-12-01T09-02-00Z/01-small.html"' in top
    assert 'href="2026-12-01T09-01-00Z/index.html"' in top  # the earlier archive
    assert "2026-12-01T09-00-00Z" not in top
    inner = (latest / "index.html").read_text()
    assert 'href="01-small.html"' in inner and 'href="../2026-12-01T09-01-00Z/index.html"' in inner
    assert "Redis cache unavailable" in caplog.text  # the note went to the log


def test_the_page_opens_with_its_headline_fetches_nothing_and_folds_log_lines(
    tmp_path: Path,
) -> None:
    _notebook(tmp_path / "notebooks")
    results = run_suite(tmp_path / "notebooks", tmp_path / "reports", {})
    assert results[0].html is not None
    page = results[0].html.read_text()
    assert NETWORK.search(page) is None, NETWORK.search(page)
    assert "<script" not in page
    headline, printed = page.index("perfkit-headline"), page.index("first results")
    assert page.index("Title") < headline < printed  # under the title, before any detail
    notes = page.index('<details class="perfkit-notes">')
    assert notes > printed and page.index("Redis cache unavailable") > notes
    assert page.count("Redis cache unavailable") == 1  # not also at the top


def test_a_retention_below_one_is_refused_before_anything_runs(tmp_path: Path) -> None:
    _notebook(tmp_path / "notebooks")
    with pytest.raises(InputError, match="--keep must be at least 1"):
        run_suite(tmp_path / "notebooks", tmp_path / "reports", {}, keep=0)
    assert not (tmp_path / "reports").exists()


def test_kernels_started_at_once_in_one_directory_each_get_their_own_sockets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jupyter_client's IPC default is ``kernel-ipc-<first free n>`` in the working
    directory: kernels started at once there could take the same socket files and talk to
    each other's clients ("Invalid Signature"). Each kernel has a folder of its own."""
    notebook = _notebook(tmp_path / "notebooks")
    monkeypatch.chdir(tmp_path)
    outs = [tmp_path / f"out-{i}.ipynb" for i in range(3)]
    spawn = multiprocessing.get_context("spawn")  # each a process, as xdist workers are
    with ProcessPoolExecutor(3, mp_context=spawn) as pool:
        errors = list(pool.map(run_notebook, [notebook] * 3, outs, [{}] * 3, [tmp_path] * 3))
    assert errors == [None, None, None]
    assert not list(tmp_path.glob("kernel-ipc*"))
