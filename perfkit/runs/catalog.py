"""The runs of one or more history folders, from their indexes (`perfkit.runs.index`).

`latest`, `previous` and `trends` count only *baseline* runs (`BASELINE`): smoke runs,
A/B runs and the other kinds are listed and can be named by id or file, but a series or
a "latest" made of different kinds of run would compare unlike with unlike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from perfkit.runs.index import HistoryIndex, OnSkip, RunEntry, Snapshot
from perfkit.runs.index_figures import Figures

BASELINE = "baseline"


def matches(entry: RunEntry, target: str | None, scenario: str | None, kind: str | None) -> bool:
    return (
        (target is None or entry.target == target)
        and (scenario is None or entry.scenario == scenario)
        and (kind is None or entry.kind == kind)
    )


class Catalog:
    """Every readable run of ``folders`` (each read through its index), oldest first."""

    def __init__(self, folders: Sequence[Path], on_skip: OnSkip | None = None) -> None:
        self.folders = list(folders)
        self.snapshots: dict[Path, Snapshot] = {
            f: HistoryIndex(f, on_skip).snapshot() for f in self.folders
        }
        everything = [e for s in self.snapshots.values() for e in s.entries]
        self.entries = sorted(everything, key=lambda e: (e.started_at, e.file))

    @classmethod
    def of(cls, folder: Path, on_skip: OnSkip | None = None) -> Catalog:
        return cls([folder], on_skip)

    @property
    def where(self) -> str:
        return ", ".join(str(f) for f in self.folders)

    @property
    def skipped(self) -> list[tuple[Path, str]]:
        return [item for s in self.snapshots.values() for item in s.skipped]

    def runs(
        self, target: str | None = None, scenario: str | None = None, kind: str | None = None
    ) -> list[RunEntry]:
        """Runs, oldest first, filtered by target label, scenario name and kind."""
        return [e for e in self.entries if matches(e, target, scenario, kind)]

    def baselines(self, target: str | None = None, scenario: str | None = None) -> list[RunEntry]:
        return self.runs(target, scenario, BASELINE)

    def figures(self, entries: Sequence[RunEntry]) -> Figures:
        """The index's figures of ``entries``, a run's rows numbered by its place in
        ``entries`` (`perfkit.runs.index_figures.Figures`)."""
        by_folder: dict[Path, tuple[list[RunEntry], list[int]]] = {}
        for rank, entry in enumerate(entries):
            chosen, ranks = by_folder.setdefault(entry.folder, ([], []))
            chosen.append(entry)
            ranks.append(rank)
        return Figures.joined(
            [self.snapshots[f].figures(chosen, ranks) for f, (chosen, ranks) in by_folder.items()]
        )
