"""History folders and runs named by a caller, never a file outside the history folders.

A run is named as the CLI names it (``latest``, ``previous``, a run id, a file name) or
by a path; a path is resolved (symbolic links too) and must lie inside one of the
server's history folders. `perfkit.runs.names` gives the names their one meaning (the
same as the CLI's: ``previous`` is the last comparable baseline run before the candidate).
"""

from __future__ import annotations

from pathlib import Path

from perfkit.analysis.indexed import full_run
from perfkit.errors import InputError
from perfkit.mcp.config import McpConfig
from perfkit.runs.catalog import Catalog
from perfkit.runs.history import StoredRun
from perfkit.runs.index import RunEntry
from perfkit.runs.names import Pair, named, pair_of, resolve, resolve_pair


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


def catalog_of(config: McpConfig, folder: str | None, *, quiet: bool = False) -> Catalog:
    """The runs of the named history folder (default: the server's first), from its index;
    ``quiet``: unreadable files are not logged (the caller lists them)."""
    path = history_folder(config, folder)
    return Catalog.of(path, on_skip=(lambda p, r: None) if quiet else None)


def _path_run(config: McpConfig, key: str, base: Path) -> RunEntry:
    given = Path(key).expanduser()
    path = (given if given.is_absolute() else base / given).resolve()
    if not _inside(path, config):
        raise InputError(f"run {key} is outside the server's history folders")
    if not path.is_file():
        raise InputError(f"no run file {key} in the server's history folders")
    return named(Catalog.of(path.parent), str(path))


def find_run(
    config: McpConfig,
    key: str,
    catalog: Catalog,
    *,
    relative_to: RunEntry | None = None,
    target: str | None = None,
    scenario: str | None = None,
) -> RunEntry:
    """The run ``key`` names, looked up in ``catalog`` (see the module docstring)."""
    if not key.strip():
        raise InputError("a run must be named (latest, previous, a run id or a file name)")
    if _looks_like_path(key):
        return _path_run(config, key, catalog.folders[0])
    return resolve(catalog, key, relative_to=relative_to, target=target, scenario=scenario)


def find_pair(
    config: McpConfig,
    base: str,
    candidate: str,
    catalog: Catalog,
    *,
    target: str | None = None,
    scenario: str | None = None,
) -> Pair:
    """Base and candidate as `perfkit compare` resolves them (the candidate first)."""
    if not _looks_like_path(base) and not _looks_like_path(candidate):
        return resolve_pair(catalog, base, candidate, target=target, scenario=scenario)
    cand = find_run(config, candidate, catalog, target=target, scenario=scenario)
    found = find_run(config, base, catalog, relative_to=cand, target=target, scenario=scenario)
    return pair_of(found, cand)


def find_run_anywhere(config: McpConfig, run_id: str) -> StoredRun:
    """A run by id or file name in any of the history folders (for resource URIs)."""
    for folder in config.history_dirs:
        try:
            return full_run(named(Catalog.of(folder), run_id))
        except InputError:
            continue
    raise InputError(f"no run {run_id!r} in the server's history folders")
