"""environment.yml and pyproject.toml must list the same dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pip_section(environment: dict[str, object]) -> list[str]:
    for entry in environment["dependencies"]:  # type: ignore[attr-defined]
        if isinstance(entry, dict) and "pip" in entry:
            return [d for d in entry["pip"] if not d.startswith("-e")]
    raise AssertionError("environment.yml has no pip section")


def test_environment_yml_equals_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = {
        d
        for d in set(project["dependencies"]).union(*extras.values())
        if not d.startswith("perfkit[")  # an extra naming others: the others are listed
    }
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = _pip_section(environment)
    assert len(listed) == len(set(listed)), "environment.yml lists a dependency twice"
    assert set(listed) == wanted
    python = [
        d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")
    ]
    assert python == [f"python{project['requires-python']}"]


def test_all_names_every_extra_but_dev() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    (everything,) = extras["all"]
    named = set(everything.removeprefix("perfkit[").removesuffix("]").split(","))
    assert named == set(extras) - {"all", "dev"}


def test_make_setup_installs_all_and_dev() -> None:
    assert "pip install --quiet -e '.[all,dev]'" in (ROOT / "Makefile").read_text()
