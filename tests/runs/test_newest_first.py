"""`previous` and the runs of the noise between runs, found by walking the history back
from its newest run, are the runs a scan of every run finds: with other loads, other
targets, other kinds, other testbeds and runs started at the same moment among them."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from perfkit.analysis.compare import HISTORY_WINDOW
from perfkit.analysis.indexed import newest_comparable, same_testbed
from perfkit.bench.history import generate
from perfkit.errors import InputError
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry
from perfkit.runs.names import comparable, previous

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "history"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    folder = tmp_path_factory.mktemp("mixed")
    generate(folder, 160, SHIPPED)
    prior = ""
    for i, path in enumerate(sorted(folder.glob("*.json"))):
        data = orjson.loads(path.read_bytes())
        if i % 5 == 1:
            data["load"]["concurrency"] = 20
        if i % 11 == 2:
            data["target"] = "other-service"
        if i % 13 == 4:
            data["kind"] = "smoke"
        if i % 9 == 5:
            data["environment"]["host"] = "another-runner"
        if i % 4 == 3:  # the same start as the run before it, and an id sorting before its
            data["started_at"], data["run_id"] = prior, "0" + data["run_id"]
        prior = data["started_at"]
        path.write_bytes(orjson.dumps(data))
    return Catalog.of(folder)


def _previous_by_scan(catalog: Catalog, candidate: RunEntry) -> RunEntry:
    earlier = [
        e
        for e in catalog.baselines(candidate.target, candidate.scenario)
        if e.started_at < candidate.started_at and e.run_id != candidate.run_id
    ]
    if not earlier:
        raise InputError("none")
    return ([e for e in earlier if comparable(e, candidate)] or earlier)[-1]


def test_previous_is_the_run_a_scan_finds(catalog: Catalog) -> None:
    loads = set()
    for candidate in catalog.entries:
        try:
            expected = _previous_by_scan(catalog, candidate)
        except InputError:
            with pytest.raises(InputError, match="previous: no baseline run"):
                previous(catalog, candidate)
            continue
        found = previous(catalog, candidate)
        assert found == expected
        loads.add(comparable(found, candidate))
    assert loads == {True, False}  # both the same load and the fallback were exercised


def test_the_noise_runs_are_the_runs_a_scan_finds(catalog: Catalog) -> None:
    for end in range(2, len(catalog.entries) + 1):  # the history as it grew, run by run
        entries = catalog.entries[:end]
        for like in (entries[-1], entries[-2]):
            skip = {like.run_id, entries[-1].run_id}
            same = [e for e in entries if e.run_id not in skip and comparable(e, like)
                    and same_testbed(e, like)]  # fmt: skip
            same.sort(key=lambda e: (e.started_at, e.run_id))
            assert newest_comparable(entries, like, skip) == same[-HISTORY_WINDOW:]
