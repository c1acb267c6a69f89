"""The history store: a folder of run files, read back as `Run`s.

A file that is not a readable perfkit run (corrupt JSON, another program's JSON, a
schema version this perfkit does not read) is skipped with a warning naming the file
and the reason; it is never silently dropped and never stops the others from loading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from perfkit.errors import InputError
from perfkit.runs.model import Run, RunFormatError

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("perfkit.runs.history")


@dataclass(frozen=True)
class StoredRun:
    path: Path
    run: Run


def read_run(path: Path) -> Run:
    """One run file; `InputError` (or its `RunFormatError`) names the file and the problem."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except orjson.JSONDecodeError as exc:
        raise RunFormatError(f"{path}: not valid JSON ({exc})") from None
    try:
        return Run.from_dict(data)
    except RunFormatError as exc:
        raise RunFormatError(f"{path}: {exc}") from None


class History:
    """Runs in `folder`, oldest first. `skipped` lists (path, reason) of unreadable files."""

    def __init__(self, folder: Path, on_skip: Callable[[Path, str], None] | None = None) -> None:
        self.folder = folder
        self._on_skip = on_skip
        self.skipped: list[tuple[Path, str]] = []
        self._runs: list[StoredRun] | None = None

    def _skip(self, path: Path, reason: str) -> None:
        self.skipped.append((path, reason))
        if self._on_skip is not None:
            self._on_skip(path, reason)
        else:
            log.warning("skipped %s: %s", path, reason)

    def _load_all(self) -> list[StoredRun]:
        if self._runs is None:
            found: list[StoredRun] = []
            paths = sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []
            for path in paths:
                try:
                    found.append(StoredRun(path, read_run(path)))
                except InputError as exc:
                    self._skip(path, str(exc).removeprefix(f"{path}: "))
            found.sort(key=lambda s: (s.run.started_at, s.path.name))
            self._runs = found
        return self._runs

    def runs(
        self, target: str | None = None, scenario: str | None = None, kind: str | None = None
    ) -> list[StoredRun]:
        """Stored runs, oldest first, filtered by target label, scenario name and kind."""
        return [
            s
            for s in self._load_all()
            if (target is None or s.run.target == target)
            and (scenario is None or s.run.scenario == scenario)
            and (kind is None or s.run.kind == kind)
        ]

    def latest(
        self, target: str | None = None, scenario: str | None = None, kind: str | None = "baseline"
    ) -> StoredRun | None:
        found = self.runs(target, scenario, kind)
        return found[-1] if found else None

    def previous(
        self, target: str | None = None, scenario: str | None = None, kind: str | None = "baseline"
    ) -> StoredRun | None:
        """The run before the latest one with the same filters."""
        found = self.runs(target, scenario, kind)
        return found[-2] if len(found) >= 2 else None

    def latest_on_branch(
        self, branch: str, target: str | None = None, scenario: str | None = None,
        exclude: str | None = None,
    ) -> StoredRun | None:  # fmt: skip
        """The newest baseline recorded on git ``branch`` (its provenance), other than the
        run id ``exclude``: "the latest run on main" for a pull request's comparison."""
        found = [s for s in self.runs(target, scenario, "baseline")
                 if s.run.environment.git_branch == branch and s.run.run_id != exclude]  # fmt: skip
        return found[-1] if found else None

    def load(self, key: str) -> StoredRun:
        """A run by run id, file name or path."""
        for stored in self._load_all():
            if key in (stored.run.run_id, stored.path.name, str(stored.path)):
                return stored
        raise InputError(f"no run {key!r} in {self.folder}")

    def samples(self, stored: StoredRun) -> pa.Table:
        """The run's per-request samples; `InputError` when it has none or they are gone."""
        from perfkit.runs.samples import read_samples  # noqa: PLC0415  (Parquet, the load generator)

        ref = stored.run.samples
        if ref is None:
            raise InputError(f"run {stored.run.run_id} has no per-request samples")
        return read_samples(stored.path.parent / ref.path)
