"""The suite runner with real papermill executions of small notebooks made here."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from perfkit.errors import InputError
from perfkit.reports.suite import assign_parameters, run_suite


def _notebook(path: Path, parameters: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "perfkit", "display_name": "perfkit", "language": "python"}
    first = nbformat.v4.new_code_cell(
        "from perfkit.reports.notebook import snapshot, validate\n_names = snapshot(globals())"
    )
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [first, params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def notebooks(tmp_path: Path) -> Path:
    directory = tmp_path / "notebooks"
    directory.mkdir()
    check_count = "validate(globals(), _names, count=int)\n"
    _notebook(
        directory / "01-ok.ipynb",
        "rate = 2.5\nlabel = 'a'",
        "p = validate(globals(), _names, rate=float, label=str)\nprint(p['rate'] * 2)",
    )
    _notebook(
        directory / "02-fails.ipynb",
        "count = 1",
        check_count + "raise ValueError('broken on purpose')",
    )
    _notebook(directory / "03-after.ipynb", "count = 1", check_count + "print('still ran')")
    return directory


def test_a_failure_is_reported_with_its_cell_and_the_rest_still_run(
    notebooks: Path, tmp_path: Path
) -> None:
    seen: list[str] = []
    results = run_suite(notebooks, tmp_path / "reports", {"rate": "4"},
                        progress=lambda r: seen.append(r.name))  # fmt: skip
    assert seen == ["01-ok", "02-fails", "03-after"]
    ok, failed, after = results
    assert ok.ok and after.ok
    assert not failed.ok and failed.error is not None
    assert "ValueError: broken on purpose" in failed.error and failed.error.startswith("cell ")
    executed = nbformat.read(str(ok.executed), as_version=4)
    assert any("8.0" in o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    index = (tmp_path / "reports" / "html" / "index.html").read_text()
    for result in results:
        assert result.html is not None and result.html.exists()
        assert result.html.name in index
    assert "FAILED" in index
    assert ok.html is not None
    assert "p = validate(globals()" not in ok.html.read_text()  # code is hidden by default


def test_parameters_are_typed_by_the_notebooks_defaults(notebooks: Path) -> None:
    assigned = assign_parameters(sorted(notebooks.glob("*.ipynb")), {"rate": "4", "count": "7"})
    by_name = {path.stem: params for path, params in assigned.items()}
    assert by_name == {"01-ok": {"rate": 4.0}, "02-fails": {"count": 7}, "03-after": {"count": 7}}


def test_an_unknown_or_mistyped_parameter_is_refused_before_running(notebooks: Path) -> None:
    paths = sorted(notebooks.glob("*.ipynb"))
    with pytest.raises(InputError, match=r"unknown parameter.*rte"):
        assign_parameters(paths, {"rte": "4"})
    with pytest.raises(InputError, match="'count' must be int"):
        assign_parameters(paths, {"count": "seven"})


def test_a_wrong_type_injected_directly_fails_the_run_naming_it(
    notebooks: Path, tmp_path: Path
) -> None:
    results = run_suite(notebooks, tmp_path / "reports", {"label": 3})
    first = results[0]
    assert not first.ok and first.error is not None
    assert "parameter 'label' must be str" in first.error
