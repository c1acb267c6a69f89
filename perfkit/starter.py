"""`perfkit init`: the starter files of a project (`perfkit.project` reads them).

Writes ``perfkit.toml`` (target, scenario, thresholds, reports, history location), a
scenario (empty, with comments saying how to fill it; or written from the service's
OpenAPI document by `perfkit.openapi_scenario`), smoke thresholds to edit and, when
asked, the notebooks of `perfkit report` to customise. Nothing that exists is
overwritten: every path is checked before the first file is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

from perfkit.atomic import write_text
from perfkit.errors import InputError
from perfkit.openapi_scenario import read_document, scenario_text
from perfkit.project import CONFIG_FILE
from perfkit.resources import packaged

FOLDER = "performance"

_CONFIG = """\
# perfkit project settings, written by `perfkit init`. Paths are relative to this file.

# Base URL of the service the runs load; empty: perfkit's reference service on an
# embedded Redis, so everything runs before it points at your own service.
target = "{target}"
scenario = "{folder}/scenario.toml"      # the endpoints a run requests, and how often
thresholds = "{folder}/thresholds.toml"  # the smoke criteria (`perfkit smoke` exits 1 on a miss)
reports = "reports"                      # runs land in reports/performance, HTML in reports/html
{notebooks}
[history]  # `perfkit history push|pull`: the runs carried through a git branch
remote = "origin"            # a remote of this repository, a path, or an ssh/https URL
branch = "perfkit-history"
# keep = 200                 # keep only the newest N runs on the branch
"""


def starter_files(
    root: Path, target: str = "", notebooks: bool = False, scenario: str | None = None
) -> dict[Path, Path | str]:
    """Destination -> packaged source (or text) of everything `init` writes; ``scenario``
    is the scenario's text (default: the empty one with comments)."""
    line = f'notebooks = "{FOLDER}/notebooks"          # perfkit report runs these\n'
    files: dict[Path, Path | str] = {
        root / CONFIG_FILE: _CONFIG.format(
            target=target, folder=FOLDER, notebooks=line if notebooks else ""
        ),
        root / FOLDER / "scenario.toml": packaged("scenarios", "starter.toml")
        if scenario is None
        else scenario,
        root / FOLDER / "thresholds.toml": packaged("thresholds.toml"),
    }
    if notebooks:
        for notebook in sorted(packaged("notebooks").glob("*.ipynb")):
            files[root / FOLDER / "notebooks" / notebook.name] = notebook
    return files


def init_project(
    root: Path, target: str = "", notebooks: bool = False, openapi: str = ""
) -> list[Path]:
    """Write the starter files into ``root``; `InputError` naming a file that exists, or
    for an ``openapi`` source that is not an OpenAPI document (nothing is written then).
    With ``openapi`` a URL and no ``target``, the target is that URL's origin."""
    scenario = None
    if openapi:
        scenario = scenario_text(read_document(openapi), openapi)
        if not target and openapi.startswith(("http://", "https://")):
            parts = urlsplit(openapi)
            target = f"{parts.scheme}://{parts.netloc}"
    if '"' in target or "\\" in target:
        raise InputError(f"--target {target!r}: a URL has no quotes or backslashes")
    files = starter_files(root, target, notebooks, scenario)
    existing = next((path for path in files if path.exists()), None)
    if existing is not None:
        raise InputError(f"{existing} exists; perfkit init never overwrites (remove it first)")
    for path, source in files.items():
        if isinstance(source, str):
            write_text(path, source)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
    return list(files)
