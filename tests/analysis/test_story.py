"""The shipped history tells a true story, and every verdict tells the same one.

``data/record_history.py`` recorded it in levels (normal, cache off, a slower chat model):
neighbours of one level must be called unchanged, a change of level must be called and
named at its endpoints. Checked on ``perfkit compare`` for every neighbour pair, and on
notebook 02 (through papermill) for one pair of each kind.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import orjson
import papermill
import pytest
from typer.testing import CliRunner

from perfkit.cli import app
from perfkit.runs.history import History

REPO = Path(__file__).resolve().parents[2]
HISTORY = REPO / "data" / "history"
NOTEBOOK = REPO / "perfkit" / "resources" / "notebooks" / "02-compare.ipynb"


def _recorder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "record_history", REPO / "data" / "record_history.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pairs() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(base file, candidate file, expected verdict kind, endpoints one of which is named)."""
    recorder = _recorder()
    runs = [s.path.name for s in History(HISTORY).runs()]
    levels = recorder.levels()
    assert len(runs) == len(levels), "data/history does not match data/record_history.py"
    pairs = []
    for i in range(1, len(runs)):
        before, after = levels[i - 1], levels[i]
        if before == after:
            pairs.append((runs[i - 1], runs[i], "unchanged", ()))
        else:
            named = recorder.AFFECTS[after] or recorder.AFFECTS[before]
            kind = "regressed" if recorder.AFFECTS[after] else "improved"
            pairs.append((runs[i - 1], runs[i], kind, named))
    return pairs


def _compare(base: str, candidate: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, ["compare", base, candidate, "--runs", str(HISTORY),
                                      "--json"])  # fmt: skip
    return result.exit_code, orjson.loads(result.output)


def _named(comparison: dict[str, object], verdict: str) -> set[str]:
    endpoints = comparison["endpoints"]
    assert isinstance(endpoints, list)
    return {
        e["endpoint"]
        for e in endpoints
        if any(
            m["verdict"] == verdict and m["metric"] in ("p50", "mean")
            for m in e["metrics"].values()
        )
    }


@pytest.mark.parametrize(("base", "candidate", "kind", "named"), _pairs())
def test_compare_tells_the_recorded_story(
    base: str, candidate: str, kind: str, named: tuple[str, ...]
) -> None:
    code, comparison = _compare(base, candidate)
    if kind == "unchanged":
        assert (code, comparison["verdict"]) == (0, "unchanged"), comparison["notes"]
        return
    assert comparison["verdict"] in (kind, "regressed")
    assert code == (1 if comparison["verdict"] == "regressed" else 0)
    assert set(named) & _named(comparison, kind), "the change is not named at its endpoints"


@pytest.mark.slow
def test_notebook_02_agrees_with_compare(tmp_path: Path) -> None:
    interesting = [p for p in _pairs() if p[2] != "unchanged"][:2] + [
        p for p in _pairs() if p[2] == "unchanged"
    ][-1:]
    for base, candidate, _, _ in interesting:
        out = tmp_path / f"{candidate}.ipynb"
        papermill.execute_notebook(
            str(NOTEBOOK), str(out), cwd=str(REPO), kernel_name="perfkit", progress_bar=False,
            parameters={"history": str(HISTORY), "base": base, "candidate": candidate},
        )  # fmt: skip
        printed = "".join(
            "".join(o.get("text", ""))
            for cell in json.loads(out.read_text())["cells"]
            for o in cell.get("outputs", [])
            if o.get("output_type") == "stream"
        )
        _, comparison = _compare(base, candidate)
        assert f"verdict: {str(comparison['verdict']).upper()}" in printed
