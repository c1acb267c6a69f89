"""What a command prints from a run (endpoint paths, scenario names, notes) is shown as it
is: rich would read ``filter[name]`` in a path as a style tag and drop ``[name]``."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from perfkit.commands.baseline_cmd import _print_run
from tests.runs.factory import make_run


def test_the_run_table_keeps_brackets_in_paths_and_names() -> None:
    run = make_run(scenario="api [cached]")
    api = replace(run.endpoints[1], path="/api/items?filter[name]=x")
    run = replace(run, endpoints=[run.endpoints[0], api])
    console = Console(record=True, width=200)
    _print_run(run, console)
    shown = console.export_text()
    assert "GET /api/items?filter[name]=x" in shown
    assert "api [cached]" in shown
