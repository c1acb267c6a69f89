"""The index answers exactly what reading every file answers: trends, the gate, compare
(`previous latest`), on the shipped history and on a generated one with steps in it."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from perfkit.analysis import CompareOptions, compare_stored, gate_run, stored_run_data, trends
from perfkit.analysis.data import RunData
from perfkit.analysis.indexed import (
    compare_entries,
    gate_history,
    history_data,
    indexed_trend_frame,
)
from perfkit.analysis.indexed_trends import indexed_trends
from perfkit.analysis.trends import Trend, trend_frame, trends_of_frame
from perfkit.bench.history import generate
from perfkit.runs.catalog import Catalog
from perfkit.runs.history import History
from perfkit.runs.index import HistoryIndex, listing
from perfkit.runs.names import resolve_pair

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "history"
METRICS = ("p50", "p95", "p99", "mean", "throughput", "error_rate")


def _stepped(folder: Path, n: int) -> Path:
    """``n`` generated runs; from the middle on, chat's latencies are 40 % higher and one
    run in seven is another target's, so the series hold a step and foreign runs."""
    generate(folder, n, SHIPPED)
    for i, path in enumerate(sorted(folder.glob("*.json"))):
        data = orjson.loads(path.read_bytes())
        if i % 7 == 3:
            data["target"] = "other-service"
        if i >= n // 2:
            for ep in data["endpoints"]:
                if ep["name"] == "chat":
                    lat = ep["stats"]["latency"]
                    for key, value in lat.items():
                        lat[key] = None if value is None else value * 1.4
        path.write_bytes(orjson.dumps(data))
    return folder


@pytest.fixture(params=["shipped", "generated"])
def history(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "shipped":
        return Path(shutil.copytree(SHIPPED, tmp_path / "shipped"))
    return _stepped(tmp_path / "generated", 120)


def _values(run: RunData) -> list[tuple[str, str, float]]:
    out = []
    for name, ep in [("overall", run.overall), *run.endpoints.items()]:
        for metric in (*METRICS, "min"):
            value = ep.value(metric, prefer_summary=True)
            out.append((name, metric, -1.0 if math.isnan(value) else value))
    return out


def test_every_run_reads_the_same_from_the_index_as_from_its_file(history: Path) -> None:
    files = [stored_run_data(s, with_samples=False) for s in History(history).runs()]
    catalog = Catalog.of(history)
    indexed = history_data(catalog, catalog.runs())
    assert [r.run_id for r in indexed] == [r.run_id for r in files]
    for a, b in zip(indexed, files, strict=True):
        assert (a.started_at, a.comparable_key(), a.commit, a.origin, a.session) == (
            b.started_at, b.comparable_key(), b.commit, b.origin, b.session,
        )  # fmt: skip
        assert _values(a) == _values(b)


def test_trends_and_the_gate_agree_with_reading_every_file(history: Path) -> None:
    files = [stored_run_data(s, with_samples=False) for s in History(history).runs(kind="baseline")]
    catalog = Catalog.of(history)
    indexed = history_data(catalog, catalog.baselines())
    expected = [t.to_dict() for t in trends(files, METRICS)]
    assert [t.to_dict() for t in trends(indexed, METRICS)] == expected
    frame = indexed_trend_frame(catalog, catalog.baselines(), METRICS)
    pd.testing.assert_frame_equal(frame, trend_frame(files, METRICS))
    assert [t.to_dict() for t in trends_of_frame(frame)] == expected
    options = CompareOptions()
    gate = gate_run(indexed[-1], indexed[:-1], options).to_dict()
    assert gate == gate_run(files[-1], files[:-1], options).to_dict()
    assert gate == gate_run(*gate_history(catalog, catalog.baselines()), options).to_dict()


def _series(trend: Trend) -> tuple[object, ...]:
    return (trend.endpoint, trend.metric, trend.run_ids, trend.times, trend.commits,
            trend.values.tolist(), [p.to_dict() for p in trend.change_points])  # fmt: skip


@pytest.mark.parametrize("endpoints", [None, ["overall", "chat"]])
def test_trends_cut_from_the_index_columns_are_the_trends_of_the_files(
    history: Path, endpoints: list[str] | None
) -> None:
    """Every series point for point (ids, times, commits, values) and every change point."""
    files = [stored_run_data(s, with_samples=False) for s in History(history).runs(kind="baseline")]
    catalog = Catalog.of(history)
    expected = [_series(t) for t in trends(files, METRICS, endpoints=endpoints)]
    found = indexed_trends(catalog, catalog.baselines(), METRICS, endpoints=endpoints)
    assert [_series(t) for t in found] == expected
    assert indexed_trends(catalog, [], METRICS) == []


def test_trends_over_two_history_folders_are_the_trends_of_their_files(tmp_path: Path) -> None:
    """A catalog of two folders (the runs of one interleaved in time with the other's)."""
    folder = _stepped(tmp_path / "all", 90)
    other = tmp_path / "other"
    other.mkdir()
    for path in sorted(folder.glob("*.json"))[1::3]:
        path.rename(other / path.name)
    files = [stored_run_data(s, with_samples=False)
             for f in (folder, other) for s in History(f).runs(kind="baseline")]  # fmt: skip
    catalog = Catalog([folder, other])
    expected = [_series(t) for t in trends(files, METRICS)]
    assert [_series(t) for t in indexed_trends(catalog, catalog.baselines(), METRICS)] == expected
    frame = indexed_trend_frame(catalog, catalog.baselines(), METRICS)
    pd.testing.assert_frame_equal(frame, trend_frame(files, METRICS))


def test_compare_previous_latest_agrees_with_reading_every_file(history: Path) -> None:
    catalog = Catalog.of(history)
    pair = resolve_pair(catalog, "previous", "latest")
    stored = History(history).runs()
    base = next(s for s in stored if s.run.run_id == pair.base.run_id)
    cand = next(s for s in stored if s.run.run_id == pair.candidate.run_id)
    expected = compare_stored(stored, base, cand, CompareOptions(), force=True)
    found = compare_entries(catalog, pair.base, pair.candidate, CompareOptions(), force=True)
    assert found.to_dict() == expected.to_dict()
    assert found.evidence == expected.evidence


def test_runs_of_another_testbed_are_left_out_as_when_reading_every_file(tmp_path: Path) -> None:
    """A run read from its index rows carries no testbed: the index's own filter must
    leave another runner's runs out of the noise and the gate, as the files' testbeds do."""
    folder = _stepped(tmp_path / "mixed", 60)
    paths = sorted(folder.glob("*.json"))
    for path in paths[1::4]:  # one run in four measured on another runner
        data = orjson.loads(path.read_bytes())
        data["environment"]["testbed"] = "ci-2"
        path.write_bytes(orjson.dumps(data))
    catalog = Catalog.of(folder)
    stored = History(folder).runs(kind="baseline")
    files = [stored_run_data(s, with_samples=False) for s in stored]
    options = CompareOptions()

    gate = gate_run(*gate_history(catalog, catalog.baselines()), options)
    assert gate.to_dict() == gate_run(files[-1], files[:-1], options).to_dict()
    pair = resolve_pair(catalog, "previous", "latest")
    base = next(s for s in stored if s.run.run_id == pair.base.run_id)
    cand = next(s for s in stored if s.run.run_id == pair.candidate.run_id)
    found = compare_entries(catalog, pair.base, pair.candidate, options, force=True)
    expected = compare_stored(stored, base, cand, options, force=True)
    assert found.to_dict() == expected.to_dict()


def test_an_index_built_in_memory_answers_as_the_index_file(history: Path) -> None:
    """A folder whose index cannot be written is answered from one built in memory."""
    catalog = Catalog.of(history)
    memory = HistoryIndex(history)._memory_snapshot(listing(history))
    assert memory.in_memory is not None and memory.entries == catalog.entries
    ranks = range(len(memory.entries))
    found = memory.figures(memory.entries, ranks)
    expected = catalog.snapshots[history].figures(catalog.entries, ranks)
    assert found.run.tolist() == expected.run.tolist()
    assert found.endpoint.tolist() == expected.endpoint.tolist()
    for name, values in expected.values.items():
        np.testing.assert_array_equal(found.values[name], values)
