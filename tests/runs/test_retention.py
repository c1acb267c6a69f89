"""`perfkit history stats` and `--keep` on the local history, through the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import orjson
from typer.testing import CliRunner

from perfkit.cli import app
from perfkit.runs.catalog import Catalog

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "history"


def test_stats_then_prune_keeps_the_newest_runs_and_their_files(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(SHIPPED, tmp_path / "runs"))
    cli = CliRunner()
    result = cli.invoke(app, ["history", "stats", "--runs", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    stats = orjson.loads(result.output)
    runs = Catalog.of(folder).entries
    assert stats["runs"] == len(runs) == 16
    assert stats["oldest"] == runs[0].started_at.isoformat()
    assert stats["newest"] == runs[-1].started_at.isoformat()
    assert sum(b["runs"] for b in stats["branches"]) == 16
    assert (
        stats["size_bytes"]
        == sum(p.stat().st_size for p in folder.iterdir() if not p.name.startswith("."))
        - (folder / "README.md").stat().st_size
    )

    result = cli.invoke(app, ["history", "prune", "--keep", "5", "--runs", str(folder)])
    assert result.exit_code == 0, result.output
    kept = Catalog.of(folder).entries
    assert [e.run_id for e in kept] == [e.run_id for e in runs[-5:]]
    assert len(list(folder.glob("*.samples.parquet"))) == 5
    assert len(list(folder.glob("baseline-summary-*.md"))) == 5


def test_keep_below_one_is_refused_before_anything_is_removed(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(SHIPPED, tmp_path / "runs"))
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "history", "prune", "--keep", "0", "--runs", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "--keep must be at least 1" in done.stderr
    assert len(list(folder.glob("*.json"))) == 16
