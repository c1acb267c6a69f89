"""Bad input through the real `perfkit` process: one line on stderr, exit 2, no traceback,
checked before any work starts (a check made after the work would name another problem
first, or take the benchmark's time)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "analysis" / "data"
# a port nothing listens on: a command that got as far as the network would say so instead
DEAD_URL = "http://127.0.0.1:9"


def perfkit(*args: str, hide: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``perfkit args``; ``hide`` makes one package unimportable, as if not installed."""
    prelude = f"import sys; sys.modules[{hide!r}] = None; " if hide else "import sys; "
    code = prelude + "from perfkit.cli import main; sys.argv = ['perfkit', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--seconds", "-1"], "--seconds"),
        (["--seconds", "0"], "--seconds"),
        (["--seconds", "nan"], "--seconds"),
        (["--tasks", "0"], "--tasks"),
    ],
)
def test_bench_limiter_refuses_bad_options(args: list[str], word: str) -> None:
    assert_refused(perfkit("bench", "limiter", *args), word)


def test_bench_limiter_without_its_peer_library_says_what_to_install() -> None:
    assert_refused(perfkit("bench", "limiter", hide="limits"), "limits", "pip install")


@pytest.mark.parametrize("duration", ["0.5", "-1", "inf"])
def test_bench_loadgen_refuses_a_duration_wrk_cannot_run(duration: str) -> None:
    assert_refused(perfkit("bench", "loadgen", "--duration", duration), "--duration")


@pytest.mark.parametrize(("option", "value"), [("--rate", "0"), ("--rate", "nan"),
                                               ("--rounds", "0")])  # fmt: skip
def test_bench_loadgen_refuses_a_rate_or_rounds_it_cannot_run(option: str, value: str) -> None:
    assert_refused(perfkit("bench", "loadgen", option, value), option)


def test_bench_loadgen_without_locust_says_what_to_install() -> None:
    assert_refused(perfkit("bench", "loadgen", hide="locust"), "locust", "pip install")


@pytest.mark.parametrize("threshold", ["-1", "0", "nan", "inf"])
def test_compare_refuses_a_threshold_that_can_never_fail(threshold: str) -> None:
    result = perfkit("compare", "previous", "latest", "--runs", str(DATA), "--threshold", threshold)
    assert_refused(result, "--threshold", threshold)


def test_analytics_out_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep me")
    assert_refused(perfkit("analytics", "--live", DEAD_URL, "--out", str(target)), "--out")
    assert target.read_text() == "keep me"


def test_analytics_out_where_no_folder_can_be_made(tmp_path: Path) -> None:
    """Below a file: no folder can be made there, even by root (who ignores modes)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    result = perfkit("analytics", "--live", DEAD_URL, "--out", str(blocker / "reports"))
    assert_refused(result, "--out")
    assert blocker.read_text() == "keep me"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root writes through any mode"
)
def test_analytics_out_in_a_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        result = perfkit("analytics", "--live", DEAD_URL, "--out", str(locked / "reports"))
    finally:
        locked.chmod(0o700)
    assert_refused(result, "--out")
