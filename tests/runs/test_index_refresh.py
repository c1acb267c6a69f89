"""The index follows the files: runs written, pulled, imported, deleted or corrupted behind
its back, and two processes writing at once; never a wrong answer, never a crash."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from perfkit.analysis.indexed import history_data
from perfkit.importers import import_files
from perfkit.runs.artifacts import write_run
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import HistoryIndex, listing
from perfkit.runs.index_store import index_path
from perfkit.runs.sync import pull, push
from tests.importers.tools import wrk_report
from tests.loadgen.conftest import counter, status_url
from tests.runs.factory import make_run
from tests.runs.test_sync import bare

__all__ = ["counter", "status_url"]
SHIPPED = Path(__file__).resolve().parents[2] / "data" / "history"
T0 = datetime(2027, 1, 1, tzinfo=UTC)


def _indexed(folder: Path) -> set[str]:
    """Run ids the index file holds, read without refreshing it."""
    index = HistoryIndex(folder)
    found = index._fresh_snapshot(listing(folder))
    assert found is not None, "the index is not up to date with the folder"
    return {e.run_id for e in found.entries}


def _history(tmp_path: Path) -> Path:
    folder = Path(shutil.copytree(SHIPPED, tmp_path / "runs"))
    Catalog.of(folder)  # the first reader builds the index
    assert index_path(folder).is_file()
    return folder


def test_a_written_run_is_in_the_index_at_once(tmp_path: Path) -> None:
    folder = _history(tmp_path)
    before = _indexed(folder)
    written = write_run(make_run(started=T0), folder)
    assert _indexed(folder) == before | {written.run.run_id}
    assert Catalog.of(folder).entries[-1].run_id == written.run.run_id


def test_pulled_runs_are_in_the_index(tmp_path: Path) -> None:
    remote, mine, theirs = bare(tmp_path), tmp_path / "mine", _history(tmp_path)
    ids = [write_run(make_run(started=T0 + timedelta(hours=h)), mine).run.run_id for h in (1, 2)]
    push(mine, str(remote))
    pulled = pull(theirs, str(remote))
    assert len(pulled.added) == 2
    assert set(ids) <= _indexed(theirs)


def test_an_imported_run_is_in_the_index_and_judged_from_it(
    status_url: str, tmp_path: Path
) -> None:
    folder = _history(tmp_path)
    [written] = import_files("wrk", [wrk_report(status_url, tmp_path)], folder)
    assert written.run.run_id in _indexed(folder)
    entry = next(e for e in Catalog.of(folder).entries if e.run_id == written.run.run_id)
    assert entry.origin == "a wrk summary"


def test_a_deleted_run_leaves_the_index_and_names_stay_right(tmp_path: Path) -> None:
    folder = _history(tmp_path)
    newest = Catalog.of(folder).baselines()[-1]
    newest.path.unlink()
    catalog = Catalog.of(folder)
    assert newest.run_id not in {e.run_id for e in catalog.entries}
    assert catalog.baselines()[-1].started_at < newest.started_at
    assert newest.run_id not in _indexed(folder)


def test_corrupt_and_foreign_files_are_skipped_with_one_line_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _history(tmp_path)
    (folder / "baseline-2099-01-01T00-00-00Z.json").write_text('{"truncated": ')
    (folder / "package.json").write_text('{"name": "not-a-run"}')
    with caplog.at_level(logging.WARNING, logger="perfkit.runs.index"):
        catalog = Catalog.of(folder)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert any("baseline-2099-01-01T00-00-00Z.json: not valid JSON" in line for line in lines)
    assert any("package.json" in line for line in lines)
    assert len(catalog.entries) == len(list(SHIPPED.glob("*.json")))


def test_a_corrupt_index_is_rebuilt_from_the_files(tmp_path: Path) -> None:
    folder = _history(tmp_path)
    expected = _indexed(folder)
    index_path(folder).write_bytes(b"not a database at all" * 100)
    catalog = Catalog.of(folder)  # this process's last snapshot: the files have not changed
    assert {e.run_id for e in catalog.entries} == expected
    assert len(history_data(catalog, catalog.entries)) == len(expected)  # read from the files
    write_run(make_run(started=T0), folder)  # a change: the index is rebuilt from the files
    assert {e.run_id for e in Catalog.of(folder).entries} == expected | {
        f"{T0:%Y%m%dT%H%M%SZ}-test"
    }
    assert _indexed(folder) == expected | {f"{T0:%Y%m%dT%H%M%SZ}-test"}


def _write_runs(folder: str, hour: int) -> None:
    for minute in range(8):
        write_run(make_run(started=T0 + timedelta(hours=hour, minutes=minute)), Path(folder))


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = _history(tmp_path)
    before = _indexed(folder)
    spawn = multiprocessing.get_context("spawn")
    writers = [spawn.Process(target=_write_runs, args=(str(folder), h)) for h in (1, 2)]
    for p in writers:
        p.start()
    for p in writers:
        p.join(120)
        assert p.exitcode == 0
    catalog = Catalog.of(folder)
    assert len(catalog.entries) == len(before) + 16
    assert _indexed(folder) == {e.run_id for e in catalog.entries}
