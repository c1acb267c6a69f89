"""`perfkit bench verdicts`: bad input, the busy processes, and tiny end-to-end runs
(real services, real HTTP). The figures are the benchmark's job, not these tests'."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.analysis.compare import compare_runs
from perfkit.bench import verdicts_sessions as records
from perfkit.bench.busy import busy_processes
from perfkit.bench.verdicts import VerdictBenchOptions, rejudge, run_bench
from perfkit.bench.verdicts_recut import joined, recut, stored_pairs
from perfkit.bench.verdicts_table import markdown
from perfkit.errors import InputError

TINY = {"sessions": 1, "repeat": 2, "duration_s": 0.3, "warmup_s": 0.1, "concurrency": 2,
        "sizes": (0.5,), "history": 1, "duet_blocks": 2}  # fmt: skip
MODE_COLUMNS = ["one run vs one run", "one run vs one run + 1 earlier runs",
                "2 + 2 interleaved trials", "duet, 0.6 s in 2 blocks"]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (VerdictBenchOptions(noise=-1), "--noise"),
        (VerdictBenchOptions(target="fast"), "--target must be one of reference, slow"),
        (VerdictBenchOptions(history=-1), "--history"),
        (VerdictBenchOptions(repeat=1), "--repeat"),
        (VerdictBenchOptions(sizes=(0.0,)), "--sizes"),
        (VerdictBenchOptions(duet_blocks=1), "--duet-blocks"),
        (VerdictBenchOptions(duet_duration_s=-1), "--duet-duration"),
        (VerdictBenchOptions(modes=("pairs",)), "--modes must be some of"),
        (VerdictBenchOptions(modes=()), "--modes"),
    ],
)
def test_bad_options_are_input_errors(options: VerdictBenchOptions, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_bench(options)


def _perfkit(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "perfkit", "bench", "verdicts", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("args", "word"),
    [(["--target", "fast"], "--target"), (["--noise", "-2"], "--noise"),
     (["--sizes", "a,b"], "--sizes")],
)  # fmt: skip
def test_bad_cli_input_is_one_line_and_exit_2(args: list[str], word: str) -> None:
    result = _perfkit(*args)
    assert result.returncode == 2 and word in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # not a zombie


def test_busy_processes_run_for_the_block_and_are_stopped() -> None:
    with busy_processes(2) as pids:
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    assert not any(_alive(pid) for pid in pids)


def _rows(table: str) -> dict[str, list[str]]:
    rows = [line.strip("|").split(" | ") for line in table.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def _check_table(table: str, slowed: str) -> None:
    rows = _rows(table)
    assert rows["condition"] == MODE_COLUMNS
    for label in ("A/A: anything flagged (false alarm)", f"{slowed} +50%: its p50 regressed",
                  f"{slowed} +50%: latency regressed elsewhere (false alarm)"):  # fmt: skip
        assert len(rows[label]) == 4
        assert all(cell.split(" ")[0].endswith("/1") for cell in rows[label]), rows[label]
    assert all(cell.endswith(" s") for cell in rows["measuring time of a PR job per comparison"])
    realised = rows[f"{slowed} +50%: realised change of its p50 (median)"]
    assert len(realised) == 4 and all(cell.endswith("%") for cell in realised), realised
    assert "Every comparison:" in table and "| load " in table
    assert "load average" in table and "busy process" in table


def test_the_slow_target_under_noise_end_to_end(tmp_path: Path) -> None:
    options = VerdictBenchOptions(**TINY, noise=1, target="slow", keep=tmp_path)  # type: ignore[arg-type]
    result = run_bench(options)
    assert result.options.noise == 1 and result.load.samples
    _check_table(markdown(result), "lookup")
    kept = records.read(tmp_path)  # every comparison, with its load, as it came
    assert sorted({(r.mode, r.size) for r in kept}, key=str) == sorted(
        {(m, s) for m in ("single", "history", "interleaved", "duet") for s in (None, 0.5)}, key=str
    )
    assert all(r.load is not None and r.realised is not None for r in kept)
    again = rejudge(tmp_path, options)  # the kept runs judged again: the same shape
    assert len(again.records) == 8 and all(r.load is not None for r in again.records)
    assert again.tally("interleaved", None).pairs == 1
    assert again.tally("history", 0.5).pairs == 1
    assert again.tally("duet", None).pairs == 1 and again.tally("duet", 0.5).pairs == 1


def test_the_reference_target_through_the_cli() -> None:
    tiny = "--sessions 1 --repeat 2 --duration 0.3 --warmup 0.1 --concurrency 2 --history 1"
    result = _perfkit(*tiny.split(), "--duet-blocks", "2", "--sizes", "0.5")
    assert result.returncode == 0, result.stderr
    _check_table(result.stdout, "chat")
    assert "no busy processes" in result.stdout


def test_only_the_chosen_modes_are_recorded_and_shown(tmp_path: Path) -> None:
    options = VerdictBenchOptions(**TINY, modes=("duet",), keep=tmp_path)  # type: ignore[arg-type]
    result = run_bench(options)
    assert {mode for mode, _ in result.tallies} == {"duet"}
    assert result.instance_seconds == []  # no interleaved trials were recorded
    assert not list(tmp_path.glob("*.json"))  # nor any history run: only the duets' folder
    assert _rows(markdown(result))["condition"] == MODE_COLUMNS[3:]
    assert rejudge(tmp_path, options).tally("duet", 0.5).pairs == 1


def test_modes_through_the_cli() -> None:
    tiny = "--sessions 1 --repeat 2 --duration 0.3 --warmup 0.1 --concurrency 2 --history 1"
    result = _perfkit(*tiny.split(), "--sizes", "0.5", "--modes", "interleaved,single")
    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout)["condition"] == [MODE_COLUMNS[0], MODE_COLUMNS[2]]
    bad = _perfkit("--modes", "duet,pairs")
    assert bad.returncode == 2 and "--modes" in bad.stderr


def test_kept_duets_are_cut_again_and_joined(tmp_path: Path) -> None:
    options = VerdictBenchOptions(**{**TINY, "sessions": 2}, modes=("duet",), keep=tmp_path)  # type: ignore[arg-type]
    run_bench(options)
    pairs = stored_pairs(tmp_path, 0.5)
    assert len(pairs) == 2
    (base, head), (base2, head2) = ([recut(s, 2) for s in pair] for pair in pairs)
    assert len(base.trial_starts) == 4 and base.trial_starts == head.trial_starts
    assert all(len(v) == 4 for v in base.endpoints["chat"].trials.values())
    whole = recut(pairs[0][0], 1).overall.trials["throughput"]
    halves = base.overall.trials["throughput"]
    assert all(rate > 0 for rate in halves)  # every half-block holds its own requests
    assert [(a + b) / 2 for a, b in zip(halves[0::2], halves[1::2], strict=True)] == (
        pytest.approx(list(whole))
    )
    both = joined(base, base2, "j"), joined(head, head2, "j")
    assert len(both[0].trial_starts) == 8 and both[0].trial_starts == both[1].trial_starts
    assert (
        both[0].endpoints["chat"].count
        == base.endpoints["chat"].count + base2.endpoints["chat"].count
    )
    assert compare_runs(*both).endpoints  # judged as one session of paired blocks
