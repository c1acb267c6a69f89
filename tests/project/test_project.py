"""Project files first, packaged files after: the lookup order of `perfkit.project`."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.errors import InputError
from perfkit.loadgen.scenario import default_scenario_path, load_scenario
from perfkit.loadgen.smoke import load_thresholds
from perfkit.project import Project
from perfkit.reports.notebook import enter_project
from perfkit.resources import packaged

SCENARIO = """
name = "mine"
[[endpoints]]
name = "home"
path = "/"
"""


def test_an_empty_project_uses_the_packaged_files(tmp_path: Path) -> None:
    project = Project.find(tmp_path)
    assert project.root == tmp_path.resolve()
    assert project.scenario() == packaged("scenarios", "default.toml")
    assert project.thresholds() == packaged("thresholds.toml")
    notebooks = sorted(p.name for p in project.notebooks().glob("*.ipynb"))
    assert [n[:2] for n in notebooks] == ["01", "02", "03", "04", "05", "06"]
    assert project.runs == tmp_path.resolve() / "reports" / "performance"
    assert load_scenario(project.scenario()).endpoints  # the packaged files are valid
    assert load_thresholds(project.thresholds()).statistic == "p95"


def test_conventional_project_files_come_before_the_packaged_ones(tmp_path: Path) -> None:
    (tmp_path / "data" / "scenarios").mkdir(parents=True)
    (tmp_path / "data" / "scenarios" / "default.toml").write_text(SCENARIO)
    (tmp_path / "data" / "thresholds.toml").write_text('statistic = "p99"\n')
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "10-mine.ipynb").write_text("{}")
    project = Project.find(tmp_path)
    assert project.scenario() == tmp_path.resolve() / "data" / "scenarios" / "default.toml"
    assert project.thresholds() == tmp_path.resolve() / "data" / "thresholds.toml"
    assert project.notebooks() == tmp_path.resolve() / "notebooks"


def test_perfkit_toml_names_the_files_and_is_found_from_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "perf").mkdir()
    (tmp_path / "perf" / "scenario.toml").write_text(SCENARIO)
    (tmp_path / "perf" / "smoke.toml").write_text("api_latency_ms = 50\n")
    (tmp_path / "perfkit.toml").write_text(
        'scenario = "perf/scenario.toml"\nthresholds = "perf/smoke.toml"\nreports = "out"\n'
    )
    sub = tmp_path / "src" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert load_scenario(default_scenario_path()).name == "mine"
    assert load_thresholds().api_latency_ms == 50.0
    assert Project.find().runs == tmp_path.resolve() / "out" / "performance"
    assert Project.find().notebooks() == packaged("notebooks")  # not named: packaged


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('scenario = "missing.toml"\n', r"scenario .*missing.toml does not exist"),
        ('scenari = "x.toml"\n', r"unknown key 'scenari'"),
        ("reports = 3\n", r"reports must be a string"),
        ("scenario = \n", r"perfkit.toml cannot be read"),
    ],
)
def test_a_bad_perfkit_toml_is_one_error_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "perfkit.toml").write_text(text)
    with pytest.raises(InputError, match=message):
        Project.find(tmp_path).scenario()


def test_notebooks_enter_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # enter_project changes the directory; restored after
    (tmp_path / "notebooks").mkdir()
    assert enter_project(tmp_path / "notebooks") == tmp_path.resolve()  # nbval's cwd
    (tmp_path / "perfkit.toml").write_text("")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert enter_project(tmp_path / "a" / "b") == tmp_path.resolve()
    bare = tmp_path.parent / f"{tmp_path.name}-bare"
    bare.mkdir()
    assert enter_project(bare) == bare.resolve()  # no project files: stays where it is
