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
    wanted = set(project["dependencies"]).union(*project["optional-dependencies"].values())
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = _pip_section(environment)
    assert len(listed) == len(set(listed)), "environment.yml lists a dependency twice"
    assert set(listed) == wanted
    python = [
        d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")
    ]
    assert python == [f"python{project['requires-python']}"]
