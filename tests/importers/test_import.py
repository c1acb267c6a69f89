"""`perfkit import` on files the real tools wrote in the test."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.analysis.adapt import load_run_data
from perfkit.analysis.compare import compare_runs
from perfkit.analysis.trends import unavailable
from perfkit.errors import InputError
from perfkit.histogram import LatencyHistogram
from perfkit.importers import import_files, read_files
from perfkit.loadgen.wrk import parse_wrk
from tests.importers.tools import jmeter_jtl, k6_csv, k6_json, locust_csv, wrk2_report, wrk_report
from tests.loadgen.apps import Counter


def perfkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_k6_csv_becomes_a_per_request_run(status_url: str, counter: Counter,
                                          tmp_path: Path) -> None:  # fmt: skip
    out = k6_csv(status_url, tmp_path, requests=80)
    [(run, samples)] = read_files("k6", [out], target="staging", scenario="checkout")
    assert (run.target, run.scenario, run.precision) == ("staging", "checkout", "per-request")
    assert run.source.files == ("k6.csv",) and run.source.mode == "imported"
    assert {e.name: e.stats.count for e in run.endpoints} == {"ok": 60, "boom": 20}
    assert counter.hits == 60
    assert run.endpoint("boom").stats.errors_by_class == {"5xx": 20}
    assert samples is not None and samples.num_rows == 80
    # microsecond timestamps: the samples span the run's own window
    assert 0 <= min(samples.column("t_start").to_pylist()) < 0.01


def test_locust_csv_is_a_summary_and_says_what_it_lacks(status_url: str, tmp_path: Path) -> None:
    (tmp_path / "locust").mkdir()
    files = locust_csv(status_url, tmp_path / "locust")
    [written] = import_files("locust", files, tmp_path / "runs")
    run = written.run
    assert run.precision == "summary" and run.source.tool == "locust"
    assert run.overall.histogram == "" and written.samples is None
    ok, boom = run.endpoint("/ok").stats, run.endpoint("/boom").stats
    assert ok.count > 0 and ok.errors == 0 and ok.latency.p95_ms is not None
    assert boom.errors == boom.count and boom.errors_by_class == {"5xx": boom.count}
    assert run.overall.count == ok.count + boom.count
    assert run.duration_s > 0
    # compare against a per-request run: Locust's figures are used, the tests it cannot
    # support are named, and nothing is invented
    other = k6_csv(status_url, tmp_path, requests=40)
    [k6_written] = import_files("k6", [other], tmp_path / "runs", target=run.target,
                                scenario=run.scenario)  # fmt: skip
    locust_data, k6_data = load_run_data(written.json), load_run_data(k6_written.json)
    result = compare_runs(locust_data, k6_data, force=True)
    p50 = result.overall.metrics["p50"]
    assert p50.base == pytest.approx(run.overall.latency.p50_ms)
    assert p50.test.noise is not None and p50.test.noise.weak  # one run's figure, no samples
    assert any("not available from a Locust summary" in note for note in result.notes)


def test_wrk_report_keeps_wrks_percentiles_and_nulls_the_rest(status_url: str,
                                                              tmp_path: Path) -> None:  # fmt: skip
    report = wrk_report(f"{status_url}/ok", tmp_path)
    result = perfkit("import", "wrk", str(report), "--out", str(tmp_path / "runs"))
    assert result.returncode == 0, result.stderr
    run = json.loads(next((tmp_path / "runs").glob("baseline-2*.json")).read_text())
    assert run["precision"] == "summary" and run["target"] == f"{status_url}/ok"
    latency = run["overall"]["latency"]
    assert latency["p50_ms"] > 0 and latency["p99_ms"] >= latency["p50_ms"]
    assert latency["p95_ms"] is None and latency["p999_ms"] is None and latency["min_ms"] is None
    assert run["load"]["concurrency"] == 2 and run["overall"]["count"] > 0
    data = load_run_data(next((tmp_path / "runs").glob("baseline-2*.json")))
    assert unavailable([data], ["p50", "p95"]) == [
        f"p95 of run {data.run_id}: not available from a wrk summary"
    ]
    same = compare_runs(data, dataclasses.replace(data, run_id="again"), force=True)
    assert same.overall.metrics["p95"].reason == "not available from a wrk summary"
    assert same.verdict == "unchanged"


def test_wrk2_histogram_becomes_a_run_with_every_percentile(status_url: str, counter: Counter,
                                                            tmp_path: Path) -> None:  # fmt: skip
    report = wrk2_report(f"{status_url}/ok", tmp_path, rate=200, seconds=2)
    printed = parse_wrk(report.read_text())
    assert printed.spectrum is not None
    [(run, samples)] = read_files("wrk2", [report], target=None, scenario=None)
    assert (run.source.tool, run.precision, samples) == ("wrk2", "histogram", None)
    assert run.overall.count == printed.requests
    # the app served every request wrk2 counted; one per connection (-c2) may have been
    # answered after wrk2 stopped reading, on a loaded machine (395 counted, 396 served)
    assert 0 <= counter.hits - printed.requests <= 2, (counter.hits, printed.requests)
    # short of the calibration period: only the response that ended the run is left out
    assert 0 <= printed.requests - printed.spectrum.total <= 1
    latency = run.overall.latency
    assert None not in latency.to_dict().values()
    assert latency.mean_ms == pytest.approx(printed.spectrum.mean_ms)
    assert latency.max_ms == pytest.approx(printed.spectrum.max_ms)
    # each percentile is the value of the first printed step holding its rank
    for percent, value in ((50.0, latency.p50_ms), (99.0, latency.p99_ms)):
        rank = -(-percent * printed.spectrum.total // 100)
        step = next(v for v, total in printed.spectrum.rows if total >= rank)
        assert value == pytest.approx(step, abs=0.001 + step * 0.001), percent
        assert value >= printed.percentile_ms(percent) - 0.005  # wrk2 prints 2 decimals
    assert LatencyHistogram.decode(run.overall.histogram).count == printed.spectrum.total
    # the same file named as wrk's is still read as wrk2's (its histogram is the better record)
    [(as_wrk, _)] = read_files("wrk", [report])
    assert (as_wrk.source.tool, as_wrk.overall.histogram) == ("wrk2", run.overall.histogram)


def test_a_wrk_report_is_not_taken_for_wrk2s(status_url: str, tmp_path: Path) -> None:
    report = wrk_report(f"{status_url}/ok", tmp_path)
    result = perfkit("import", "wrk2", str(report), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "no HdrHistogram spectrum" in result.stderr and str(report) in result.stderr
    assert not (tmp_path / "runs").exists()


def test_jmeter_jtl_becomes_a_per_request_run(status_url: str, counter: Counter,
                                              tmp_path: Path) -> None:  # fmt: skip
    jtl = jmeter_jtl(status_url, tmp_path, loops=10)
    [(run, samples)] = read_files("jmeter", [jtl])
    assert run.precision == "per-request" and run.source.tool == "jmeter"
    assert run.target == status_url and run.load.concurrency == 2
    ok, boom = run.endpoint("ok").stats, run.endpoint("boom").stats
    assert (ok.count, boom.count) == (20, 20) and counter.hits == 20
    assert ok.errors == 0 and boom.errors_by_class == {"5xx": 20}
    assert run.endpoint("ok").path == "/ok"
    assert samples is not None and samples.num_rows == 40
    assert run.overall.latency.p50_ms is not None


def _real_file(tool: str, url: str, folder: Path) -> Path:
    folder.mkdir()
    if tool == "jmeter":
        return jmeter_jtl(url, folder, loops=3)
    if tool == "k6-json":
        return k6_json(url, folder)
    if tool == "k6":
        return k6_csv(url, folder, requests=20)
    if tool == "wrk":
        return wrk_report(url, folder)
    if tool == "wrk2":
        return wrk2_report(url, folder)
    return next(p for p in locust_csv(url, folder) if p.name == "run_stats.csv")


def _cut_mid_line(data: bytes) -> bytes:
    """The first 60 % or so of a file, cut in the middle of a line: a file cut at a line's
    end is a shorter file of the same tool, which no importer can tell from a short run."""
    at = int(len(data) * 0.6)
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    return data[: (start + (len(data) if end < 0 else end)) // 2]


@pytest.mark.parametrize("kind", ["k6-json", "k6", "wrk", "wrk2", "locust", "jmeter"])
def test_empty_truncated_or_foreign_files_are_refused_and_nothing_is_written(
    kind: str, status_url: str, tmp_path: Path
) -> None:
    tool = kind.removesuffix("-json")
    real = _real_file(kind, status_url, tmp_path / "made")
    truncated = tmp_path / f"truncated{real.suffix}"
    truncated.write_bytes(_cut_mid_line(real.read_bytes()))
    empty = tmp_path / "empty.out"
    empty.write_text("")
    foreign = tmp_path / "foreign.out"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    runs = tmp_path / "runs"
    for bad in (empty, foreign):
        # a good file first: the bad one still stops the whole import before any write
        with pytest.raises(InputError, match=re.escape(str(bad))):
            import_files(tool, [real, bad], runs)
    # the CLI's side once (a `perfkit` process costs seconds): one line, exit 2
    result = perfkit("import", tool, str(real), str(truncated), "--out", str(runs))
    assert result.returncode == 2, (truncated, result.stdout)
    assert result.stderr.count("\n") == 1 and str(truncated) in result.stderr, result.stderr
    assert not runs.exists()
