"""Checks of command-line options, made before a command starts any work.

Each raises `InputError` with one line naming the option and the value, so a bad option
costs nothing (no benchmark run, no server started, nothing written) and never shows a
traceback.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
from pathlib import Path

from perfkit.errors import InputError


def positive(value: float, option: str) -> float:
    """A finite number > 0 (nan and inf are refused: no run or gate can use them)."""
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{option} must be a finite number > 0, not {value}")
    return value


def at_least(value: float, minimum: float, option: str) -> float:
    if not math.isfinite(value) or value < minimum:
        raise InputError(f"{option} must be a finite number >= {minimum:g}, not {value}")
    return value


def installed(module: str, install: str, needed_by: str) -> None:
    """``module`` importable, else say what to install."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f"{needed_by} needs {module}: pip install '{install}'")


def on_path(program: str, install: str, needed_by: str) -> None:
    if shutil.which(program) is None:
        raise InputError(f"{needed_by} needs {program} on PATH ({install})")


def writable_folder(path: Path, option: str) -> Path:
    """``path`` is a folder perfkit can write in, made if missing."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot make the folder ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: the folder is not writable")
    return path
