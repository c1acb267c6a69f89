"""Run the real tools to make the files the importer tests read (nothing hand-written)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.k6_engine import build_script, k6_binary
from perfkit.loadgen.programs import find_program
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import parse_scenario

OK_AND_BOOM = parse_scenario(
    {"name": "mixed", "endpoints": [{"name": "ok", "path": "/ok", "weight": 3},
                                    {"name": "boom", "path": "/boom"}]}, "test",
)  # fmt: skip

LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Mixed(FastHttpUser):
    wait_time = constant(0.01)

    @task(3)
    def ok(self):
        self.client.get("/ok")

    @task(1)
    def boom(self):
        self.client.get("/boom")
"""


def k6_output(url: str, folder: Path, out: str, requests: int) -> Path:
    """k6's `--out json` or `--out csv` file (microsecond CSV times) of `requests` requests
    to /ok and /boom (3 to 1)."""
    config = LoadConfig(concurrency=2, requests=requests, duration_s=None, warmup_s=0, engine="k6")
    script = folder / "run.js"
    script.write_text(build_script(url, OK_AND_BOOM, config, HttpOptions()))
    path = folder / f"k6.{out}"
    subprocess.run(
        [str(k6_binary()), "run", "--quiet", "--no-usage-report", f"--out={out}={path}",
         str(script)],
        check=True, capture_output=True, env={**os.environ, "K6_CSV_TIME_FORMAT": "unix_micro"},
    )  # fmt: skip
    return path


def k6_csv(url: str, folder: Path, requests: int = 80) -> Path:
    return k6_output(url, folder, "csv", requests)


def k6_json(url: str, folder: Path, requests: int = 40) -> Path:
    return k6_output(url, folder, "json", requests)


def locust_csv(url: str, folder: Path, seconds: int = 3) -> list[Path]:
    """Locust's --csv files (stats, history, failures, exceptions) of a headless run."""
    locustfile = folder / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    prefix = folder / "run"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", "2", "-r",
         "2", "-t", f"{seconds}s", "--host", url, "--csv", str(prefix), "--only-summary",
         "--loglevel", "ERROR", "--exit-code-on-error", "0"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return sorted(folder.glob("run_*.csv"))


def wrk_report(url: str, folder: Path) -> Path:
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.fail("wrk is not installed (apt-get install wrk; .ci/run installs it)")
    out = folder / "wrk.txt"
    report = subprocess.run([wrk, "-t1", "-c2", "-d1s", "--latency", url],
                            check=True, capture_output=True, text=True)  # fmt: skip
    out.write_text(report.stdout)
    return out


def wrk2_report(url: str, folder: Path, *, rate: int = 200, seconds: int = 2) -> Path:
    """``wrk2 -R rate --latency`` output (wrk2 built from tools/wrk2 by `make wrk2`)."""
    wrk2 = find_program("wrk2")
    if wrk2 is None:
        pytest.fail("wrk2 is not built (make wrk2, after apt-get install gcc make luajit "
                    "libluajit-5.1-dev libssl-dev; .ci/run does both)")  # fmt: skip
    out = folder / "wrk2.txt"
    command = [str(wrk2), "-t1", "-c2", f"-d{seconds}s", f"-R{rate}", "--latency", url]
    report = subprocess.run(command, check=True, capture_output=True, text=True)
    out.write_text(report.stdout)
    return out


JMETER_HOME = Path("/usr/share/jmeter")
_JMETER_RUN = Path(__file__).with_name("JMeterRun.java")


def jmeter_jtl(url: str, folder: Path, loops: int = 10) -> Path:
    """A CSV .jtl written by JMeter's engine (Debian's jmeter, jmeter-http and a JDK)."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if (
        javac is None
        or java is None
        or not (JMETER_HOME / "lib/ext/ApacheJMeter_http.jar").is_file()
    ):
        pytest.fail("JMeter is not installed (apt-get install jmeter jmeter-http "
                    "default-jdk-headless; .ci/run installs them)")  # fmt: skip
    classpath = ":".join([str(folder), str(JMETER_HOME / "bin/ApacheJMeter.jar"),
                          str(JMETER_HOME / "lib/ext/*"), str(JMETER_HOME / "lib/*")])  # fmt: skip
    subprocess.run([javac, "-cp", classpath, "-d", str(folder), str(_JMETER_RUN)],
                   check=True, capture_output=True)  # fmt: skip
    host, port = url.removeprefix("http://").split(":")
    out = folder / "results.jtl"
    subprocess.run(
        [java, "-cp", classpath, "JMeterRun", str(JMETER_HOME), host, port, str(out), str(loops)],
        check=True, capture_output=True, timeout=120, cwd=folder,
    )  # fmt: skip
    return out
