"""The project perfkit runs in: its own files first, the files shipped in the wheel after.

The project is the nearest folder, from the working directory up, that holds a
``perfkit.toml`` (``perfkit init`` writes one); without one, the working directory. Each
file perfkit needs is looked up in order:

1. the path the ``perfkit.toml`` names (relative to it); named but missing is an error;
2. the project's conventional file: ``data/scenarios/default.toml``,
   ``data/thresholds.toml``, ``notebooks/*.ipynb``;
3. the packaged copy (`perfkit.resources`), so an installed perfkit works anywhere.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfkit.builds.config import ServiceConfig, parse_service
from perfkit.errors import InputError
from perfkit.resources import packaged

CONFIG_FILE = "perfkit.toml"
_PATH_KEYS = ("scenario", "thresholds", "notebooks", "reports")
_KNOWN_KEYS = frozenset({*_PATH_KEYS, "target", "history", "service"})


def read_toml(path: Path, what: str = "") -> dict[str, Any]:
    """A TOML file of the project (``what`` it is names it in errors: "scenario file");
    `InputError` when it is missing or cannot be read or parsed."""
    name = f"{what} {path}" if what else str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{name} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{name} cannot be read: {exc}") from None


def _read_config(path: Path) -> dict[str, Any]:
    data = read_toml(path)
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_KNOWN_KEYS))
        raise InputError(f"{path}: unknown key {unknown[0]!r} (allowed: {allowed})")
    for key in (*_PATH_KEYS, "target"):
        if key in data and not isinstance(data[key], str):
            raise InputError(f"{path}: {key} must be a string")
    if "history" in data:
        _check_history(data["history"], path)
    if "service" in data:
        parse_service(data["service"], path)
    return data


def _check_history(table: object, path: Path) -> None:
    if not isinstance(table, dict):
        raise InputError(f"{path}: history must be a table ([history])")
    unknown = sorted(set(table) - {"remote", "branch", "keep"})
    if unknown:
        raise InputError(
            f"{path}: unknown key history.{unknown[0]} (allowed: remote, branch, keep)"
        )
    for key in ("remote", "branch"):
        if key in table and not (isinstance(table[key], str) and table[key]):
            raise InputError(f"{path}: history.{key} must be a non-empty string")
    keep = table.get("keep", 1)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise InputError(f"{path}: history.keep must be an integer >= 1")


@dataclass(frozen=True)
class HistorySettings:
    """Where ``perfkit history push|pull`` carries the runs: ``[history]`` of perfkit.toml."""

    remote: str = "origin"
    branch: str = "perfkit-history"
    keep: int | None = None  # None: keep every run


@dataclass(frozen=True)
class Project:
    """A project folder and its ``perfkit.toml`` settings (empty without one)."""

    root: Path
    config: Mapping[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            candidate = folder / CONFIG_FILE
            if candidate.is_file():
                return cls(folder, _read_config(candidate), candidate)
        return cls(here)

    def _pick(self, key: str, default: Path) -> Path:
        """The path ``perfkit.toml`` names under ``key`` (it must exist), else ``default``."""
        value = self.config.get(key)
        if not value:
            return default
        named = self.root / str(value)
        if not named.exists():
            raise InputError(f"{self.config_path}: {key} {named} does not exist")
        return named

    def scenario(self) -> Path:
        """The scenario a run uses when none is given."""
        own = self.root / "data" / "scenarios" / "default.toml"
        return self._pick(
            "scenario", own if own.is_file() else packaged("scenarios", "default.toml")
        )

    def thresholds(self) -> Path:
        """The smoke criteria a run is judged by when none are given."""
        own = self.root / "data" / "thresholds.toml"
        return self._pick("thresholds", own if own.is_file() else packaged("thresholds.toml"))

    def notebooks(self) -> Path:
        """The notebook folder of ``perfkit report``: the project's ``notebooks/`` when it
        holds a notebook."""
        own = self.root / "notebooks"
        return self._pick("notebooks", own if any(own.glob("*.ipynb")) else packaged("notebooks"))

    @property
    def reports(self) -> Path:
        """Where reports are written (``reports``, or the ``perfkit.toml``'s)."""
        return self.root / str(self.config.get("reports") or "reports")

    @property
    def target(self) -> str | None:
        """The base URL runs load when none is given; None: the reference service."""
        return str(self.config.get("target") or "") or None

    @property
    def history(self) -> HistorySettings:
        table = self.config.get("history", {})
        return HistorySettings(
            remote=table.get("remote", HistorySettings.remote),
            branch=table.get("branch", HistorySettings.branch),
            keep=table.get("keep"),
        )

    @property
    def service(self) -> ServiceConfig | None:
        """How to start a build of the service (``[service]``); None without the table."""
        table = self.config.get("service")
        return None if table is None else parse_service(table, self.config_path or self.root)

    @property
    def runs(self) -> Path:
        """The project's history of runs: ``<reports>/performance``."""
        return self.reports / "performance"
