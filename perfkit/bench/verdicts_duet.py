"""The duet column of `perfkit bench verdicts`: base and candidate loaded at the same time.

`perfkit ab`'s loader (`perfkit.loadgen.duet`): every request is sent to both builds at
once and the measured window is cut into time blocks, each block one trial of each build;
the two runs share a session and are judged by the interleaved-trials verdict, as
`perfkit ab` judges them. Kept runs go to ``<keep>/duet/<condition>/{base,head}`` so a
``--rejudge`` knows which is which.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from perfkit.analysis.adapt import run_data, stored_run_data
from perfkit.analysis.data import RunData
from perfkit.loadgen.baseline import RunPlan, Side, session_runs
from perfkit.loadgen.duet import run_duet
from perfkit.runs.artifacts import write_run
from perfkit.runs.history import History
from perfkit.runs.model import Run

ROLES = ("base", "head")


def condition(size: float | None) -> str:
    """The folder name of a condition: ``aa`` or the slowdown (``0.2``)."""
    return "aa" if size is None else f"{size:g}"


def duet_pair(
    plan: RunPlan, urls: tuple[str, str], label: str, duration_s: float, blocks: int
) -> list[tuple[Run, pa.Table | None]]:
    """One duet of ``duration_s`` measured seconds: the base's run and the head's."""
    load = replace(plan.load, duration_s=duration_s)
    base, head = run_duet(urls[0], urls[1], plan.scenario, load, blocks=blocks)
    sides = [Side(urls[0], label, None, base), Side(urls[1], label, None, head)]
    return session_runs(replace(plan, load=load, kind="ab"), sides, "perfkit")


def keep_pair(recorded: list[tuple[Run, pa.Table | None]], keep: Path, size: float | None) -> None:
    for role, (run, samples) in zip(ROLES, recorded, strict=True):
        write_run(run, keep / "duet" / condition(size) / role, samples)


def kept_pairs(keep: Path, size: float | None) -> list[tuple[RunData, RunData]]:
    """The duets kept for one condition, each (base, head), paired by their session."""
    found: dict[str, dict[str, RunData]] = {}
    for role in ROLES:
        for stored in History(keep / "duet" / condition(size) / role).runs():
            found.setdefault(str(stored.run.session), {})[role] = stored_run_data(stored)
    return [(pair["base"], pair["head"]) for pair in found.values() if len(pair) == 2]


def as_data(recorded: list[tuple[Run, pa.Table | None]]) -> tuple[RunData, RunData]:
    base, head = (run_data(run, samples) for run, samples in recorded)
    return base, head
