"""A trend over the history's index imports neither pandas, Arrow nor the verdict's
scipy.stats: together ~150 MB of the 300 MB a trend over 10,000 runs may take
(`perfkit bench history`). Checked in a fresh interpreter, whose modules are its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "history"
HEAVY = ("pandas", "pyarrow", "scipy.stats", "aiohttp", "perfkit.runs.samples")

PROGRAM = """
import sys
from pathlib import Path
from perfkit.analysis.indexed_trends import indexed_trends
from perfkit.runs.catalog import Catalog

catalog = Catalog.of(Path(sys.argv[1]))
assert indexed_trends(catalog, catalog.baselines())
print(" ".join(m for m in sys.argv[2:] if m in sys.modules))
"""


def test_a_trend_over_the_index_imports_no_heavy_module(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(SHIPPED, tmp_path / "runs"))
    subprocess.run([sys.executable, "-c", PROGRAM, str(folder)], check=True)  # builds the index
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(folder), *HEAVY],
                          check=True, capture_output=True, text=True)  # fmt: skip
    assert done.stdout.split() == []
