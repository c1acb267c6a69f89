"""The three commands on the recorded runs: exit codes and what they write."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from perfkit.cli import app
from perfkit.errors import InputError
from perfkit.runs.history import History

DATA = Path(__file__).parent / "data"


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_compare_exits_1_on_the_recorded_slowdown_only() -> None:
    code, out = _invoke("compare", "previous", "latest", "--runs", str(DATA), "--json")
    assert code == 1 and orjson.loads(out)["regressed"] is True
    first = History(DATA).runs()[0].path.name
    code, _ = _invoke("compare", first, "previous", "--runs", str(DATA))
    assert code == 0


def test_compare_bad_input_is_a_perfkit_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not hold"):
        _invoke("compare", "previous", "latest", "--runs", str(tmp_path))
    with pytest.raises(InputError, match="no run 'nope'"):
        _invoke("compare", "nope", "latest", "--runs", str(DATA))


def test_compare_works_on_runs_without_samples(tmp_path: Path) -> None:
    for path in DATA.glob("*.json"):
        shutil.copy(path, tmp_path)  # JSON only: the samples files are missing
    code, out = _invoke("compare", "previous", "latest", "--runs", str(tmp_path), "--json")
    assert code == 1 and orjson.loads(out)["weak"] is True


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_a_threshold_that_could_never_decide_exits_before_any_work(value: str) -> None:
    with pytest.raises(InputError, match="--threshold must be a positive number"):
        _invoke("compare", "nope", "latest", "--runs", "/nonexistent", "--threshold", value)


def test_trends_gate_and_empty_history(tmp_path: Path) -> None:
    code, out = _invoke("trends", "--runs", str(DATA), "--gate", "--json")
    data = orjson.loads(out)
    assert code == 0 and data["runs"] == 3
    assert data["gate"]["verdict"] == "unchanged"  # no latency judged: no verdict, exit 0
    assert data["gate"]["outcome"] == "not enough history"
    assert data["gate"]["headline"].startswith("NOT ENOUGH HISTORY: 2 of 10 comparable")
    assert "not enough history (2 of 10" in data["gate"]["notes"][0]
    with pytest.raises(InputError, match="no runs"):
        _invoke("trends", "--runs", str(tmp_path))


def test_analytics_writes_json_and_markdown(tmp_path: Path) -> None:
    code, out = _invoke(
        "analytics", "latest", "--base", "previous", "--runs", str(DATA), "--out", str(tmp_path)
    )
    assert code == 0 and "written:" in out
    [json_path] = tmp_path.glob("*.json")
    report = orjson.loads(json_path.read_bytes())
    assert report["sections"]["comparison"]["regressed"] is True
    assert json_path.with_suffix(".md").is_file()
