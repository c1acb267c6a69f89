"""History folders and runs named by a caller, never a file outside the history folders.

A run is named as the CLI names it (``latest``, ``previous``, a run id, a file name) or
by a path; a path is resolved (symbolic links too) and must lie inside one of the
server's history folders. `perfkit.analysis.adapt.resolve` does the rest.
"""

from __future__ import annotations

from pathlib import Path

from perfkit.analysis.adapt import resolve
from perfkit.errors import InputError
from perfkit.mcp.config import McpConfig
from perfkit.runs.history import History, StoredRun


def _inside(path: Path, config: McpConfig) -> bool:
    return any(path == d or path.is_relative_to(d) for d in config.history_dirs)


def history_folder(config: McpConfig, folder: str | None) -> Path:
    """The named history folder (default: the server's first); refused when outside them."""
    if folder is None or not folder.strip():
        return config.history_dirs[0]
    path = Path(folder).expanduser().resolve()
    if not _inside(path, config):
        allowed = ", ".join(str(d) for d in config.history_dirs)
        raise InputError(f"history folder {folder} is outside the server's history ({allowed})")
    return path


def _looks_like_path(key: str) -> bool:
    return "/" in key or "\\" in key or key.startswith(".")


def find_run(
    config: McpConfig,
    key: str,
    folder: str | None = None,
    *,
    target: str | None = None,
    scenario: str | None = None,
) -> StoredRun:
    """The run ``key`` names, looked up in ``folder`` (see the module docstring)."""
    if not key.strip():
        raise InputError("a run must be named (latest, previous, a run id or a file name)")
    base = history_folder(config, folder)
    if _looks_like_path(key):
        given = Path(key).expanduser()
        path = (given if given.is_absolute() else base / given).resolve()
        if not _inside(path, config):
            raise InputError(f"run {key} is outside the server's history folders")
        if not path.is_file():
            raise InputError(f"no run file {key} in the server's history folders")
        return resolve(History(path.parent), str(path))
    return resolve(History(base), key, target=target, scenario=scenario)


def find_run_anywhere(config: McpConfig, run_id: str) -> StoredRun:
    """A run by id or file name in any of the history folders (for resource URIs)."""
    for folder in config.history_dirs:
        try:
            return History(folder).load(run_id)
        except InputError:
            continue
    raise InputError(f"no run {run_id!r} in the server's history folders")
