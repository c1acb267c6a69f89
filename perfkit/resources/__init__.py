"""Files shipped inside the wheel: the default scenario, the smoke thresholds, the
notebooks of `perfkit report` and the recorded profile pair notebook 06 shows.
`perfkit.project` uses them when a project has none of its own."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def packaged(*parts: str) -> Path:
    """The path of a packaged file (``packaged("scenarios", "default.toml")``).

    perfkit is installed as files on disk (a wheel or an editable checkout), never run
    from a zip, so the resource is a real path the loaders and papermill can open."""
    return Path(str(files(__name__).joinpath(*parts)))
