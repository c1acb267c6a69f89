"""Helpers for the notebooks: parameter validation, and nothing a notebook computes itself.

papermill only warns on an unknown parameter (nteract/papermill#667) and guesses the type
of ``-p`` values (#55), so every notebook validates its parameters right after the
injected cell::

    # first cell
    from perfkit.reports.notebook import snapshot, validate
    _names = snapshot(globals())

    # the cell tagged `parameters`
    target = ""
    duration = 5.0

    # (papermill's injected cell lands here)

    # next cell
    params = validate(globals(), _names, target=str, duration=float)

An unknown name or a value of the wrong type raises `ParameterError` naming it, so the
papermill run fails fast at that cell with a one-line reason.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.image import imread

from perfkit.errors import InputError
from perfkit.project import CONFIG_FILE


class ParameterError(InputError):
    """A notebook parameter is unknown or has a value of the wrong type."""


def snapshot(namespace: Mapping[str, Any]) -> frozenset[str]:
    """The names defined before the parameters cell (imports and helpers)."""
    return frozenset(namespace)


def validate(namespace: Mapping[str, Any], before: frozenset[str], **spec: type) -> dict[str, Any]:
    """Check the parameters named in ``spec`` and refuse any other injected name."""
    injected = {
        name
        for name in namespace
        if name not in before and not name.startswith("_") and name not in spec
    }
    if injected:
        known = ", ".join(sorted(spec))
        raise ParameterError(
            f"unknown parameter(s) {', '.join(sorted(injected))}; this notebook takes: {known}"
        )
    values: dict[str, Any] = {}
    for name, kind in spec.items():
        if name not in namespace:
            raise ParameterError(f"parameter {name!r} is missing from the parameters cell")
        values[name] = coerce(name, namespace[name], kind)
    return values


def coerce(name: str, value: Any, kind: type) -> Any:
    """Accept ``value`` as ``kind``; an int is a valid float, a bool is not a number."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise ParameterError(
        f"parameter {name!r} must be {kind.__name__}, got {type(value).__name__} {value!r}"
    )


def enter_project(start: Path | None = None) -> Path:
    """Change to the project folder, so relative paths (``data/history``, ``reports``) mean
    the same under papermill (run from the project) and nbval (run from ``notebooks/``):
    the nearest of ``start`` (cwd) and its parents holding a ``perfkit.toml``; else the
    parent of a ``notebooks`` folder; else ``start`` itself (a packaged notebook run in a
    project without files of its own)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return _enter(folder)
    return _enter(here.parent if here.name == "notebooks" else here)


def _enter(folder: Path) -> Path:
    os.chdir(folder)
    return folder


SHARP_DPI = 2  # pixels per display pixel: sharp on high-density screens and when zoomed


def show(figure: Figure) -> None:
    """Display ``figure`` as a static PNG (interactive outputs render blank in exported
    HTML, jupyter/nbconvert#944), drawn at twice its display size so it stays sharp."""
    from IPython.display import Image, display  # noqa: PLC0415  (only inside a kernel)

    buffer = io.BytesIO()
    dpi = figure.get_dpi()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=dpi * SHARP_DPI)
    buffer.seek(0)
    width = imread(buffer, format="png").shape[1] // SHARP_DPI
    image = Image(data=buffer.getvalue(), format="png", width=width)  # type: ignore[no-untyped-call]
    display(image)  # type: ignore[no-untyped-call]
