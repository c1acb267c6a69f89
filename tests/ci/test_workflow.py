"""The GitHub Actions workflow, parsed: its triggers, the steps the issue asks for, and
every command its shell steps name exists (``perfkit ... --help`` of the real CLI, with
each option it passes; ``make`` targets in the Makefile)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from perfkit.project import Project

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "performance.yml"


def _workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def _steps() -> list[dict[str, Any]]:
    (job,) = _workflow()["jobs"].values()
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def _commands(step: dict[str, Any]) -> list[list[str]]:
    """The perfkit and make command lines of a ``run`` step (shell syntax aside)."""
    found = []
    for line in str(step.get("run", "")).replace("\\\n", " ").splitlines():
        words = shlex.split(line.replace("||", " ; "), comments=True)
        for i, word in enumerate(words):
            if word.endswith("bin/perfkit") or word in ("perfkit", "make"):
                end = next((j for j in range(i + 1, len(words)) if words[j] in (";", "&&")),
                           len(words))  # fmt: skip
                found.append(words[i:end])
    return found


def test_it_runs_on_pull_requests_and_pushes_to_main() -> None:
    triggers = _workflow()[True]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]


def _step(command: str) -> dict[str, Any]:
    return next(s for s in _steps() if command in str(s.get("run", "")))


def test_the_steps_the_issue_asks_for_are_there_in_order() -> None:
    steps = _steps()
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert steps[0]["with"]["fetch-depth"] == 0  # perfkit ab checks out the merge base
    runs = [" ".join(" ".join(c) for c in _commands(s)) for s in steps]
    order = ["make setup", "perfkit ab --junit", "perfkit history pull",
             "perfkit report --only 01", "perfkit trends --gate --confirm-budget",
             "perfkit history push"]  # fmt: skip
    positions = []
    for wanted in order:
        hits = [i for i, text in enumerate(runs) if wanted in text.replace(".venv/bin/", "")]
        assert hits, f"no step runs {wanted!r}"
        positions.append(hits[0])
    assert positions == sorted(positions)
    assert "actions/upload-artifact" in uses and "mikepenz/action-junit-report" in uses
    push = _step("history push")
    assert "refs/heads/main" in push["if"] and "push" in push["if"]
    artifact = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert artifact["with"]["path"] == "reports/" and artifact["if"] == "always()"


def test_pull_requests_take_the_side_by_side_path_and_main_keeps_the_history() -> None:
    """The PR gate is `perfkit ab` (merge base vs head, one runner, one moment); the weak
    path (the PR's single run against main's latest from another runner) is gone; the
    history of main is still recorded and pushed for trends."""
    assert "pull_request" in _step("perfkit ab")["if"]
    for command in ("history pull", "perfkit report", "trends --gate", "history push"):
        assert "github.event_name == 'push'" in _step(command)["if"], command
    assert not any("perfkit compare" in str(s.get("run", "")) for s in _steps())


def test_this_repository_says_how_to_start_a_build_of_its_service() -> None:
    service = Project.find(REPO).service
    assert service is not None and service.ready == "/health"
    assert "perfkit serve" in service.command and "{port}" in service.command


def _perfkit_commands() -> list[list[str]]:
    return [c for s in _steps() for c in _commands(s) if c[0] != "make"]


@pytest.mark.parametrize("command", _perfkit_commands(), ids=lambda c: " ".join(c[1:3]))
def test_every_perfkit_command_and_option_it_names_exists(command: list[str]) -> None:
    words = [w for w in command[1:] if not w.startswith("$")]
    path = []
    for word in words:
        if word.startswith("-"):
            break
        path.append(word)
    subcommand = [w for w in path if not re.search(r"[@/.]", w)]  # arguments like latest@main
    helped = subprocess.run([sys.executable, "-m", "perfkit", *subcommand, "--help"],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert helped.returncode == 0, helped.stderr
    text = re.sub(r"\s+", " ", helped.stdout)
    for option in (w for w in words if w.startswith("-")):
        assert option in text, f"{' '.join(subcommand)} has no option {option}"


def test_make_targets_exist() -> None:
    targets = {c[1] for s in _steps() for c in _commands(s) if c[0] == "make"}
    makefile = (REPO / "Makefile").read_text()
    assert targets and all(re.search(rf"^{t}:", makefile, re.M) for t in targets)
