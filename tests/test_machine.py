"""The testbed a run records: its label from PERFKIT_TESTBED or the CI, and what tells two
testbeds apart (a field an older run lacks is not held against it)."""

from __future__ import annotations

from pathlib import Path

from perfkit import machine
from perfkit.runs.environment import capture_environment
from perfkit.runs.model import Environment
from perfkit.runs.validate import Reader


def test_the_label_comes_from_the_user_then_the_ci() -> None:
    assert machine.testbed_label({"PERFKIT_TESTBED": "perf-box"}) == "perf-box"
    hosted = {"GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
              "RUNNER_NAME": "GitHub Actions 7", "RUNNER_ENVIRONMENT": "github-hosted"}  # fmt: skip
    assert machine.testbed_label(hosted) == "github-hosted Linux-X64"  # a new name every job
    own = {**hosted, "RUNNER_ENVIRONMENT": "self-hosted", "RUNNER_NAME": "rack-3"}
    assert machine.testbed_label(own) == "rack-3"
    assert machine.testbed_label({"GITLAB_CI": "true", "CI_RUNNER_DESCRIPTION": "big"}) == "big"
    assert machine.testbed_label({}) is None


def test_testbeds_differ_by_label_or_host_cpu_and_cores() -> None:
    a = machine.Testbed("h1", 4, "AMD EPYC 7763", "ci")
    assert not a.differences(machine.Testbed("h2", 4, "AMD EPYC 7763", "ci"))  # label wins
    assert machine.Testbed("h1", 4).differences(machine.Testbed("h2", 4)) == ["h1 vs h2"]
    other = machine.Testbed("h1", 2, "Intel Xeon", "ci")
    assert a.differences(other) == ["CPU AMD EPYC 7763 vs Intel Xeon", "4 vs 2 cores"]
    assert not a.differences(machine.Testbed("h9", 4, None, "ci"))  # an older run: no model


def test_the_cpu_model_is_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n")
    assert machine.cpu_model(info) == "AMD EPYC 7763 64-Core Processor"


def test_a_run_records_its_testbed_and_older_runs_still_load() -> None:
    env = capture_environment(Path.cwd(), {"PERFKIT_TESTBED": "perf-box"})
    assert env.testbed == "perf-box" and env.cpu_model == machine.cpu_model()
    assert Environment.from_dict(Reader(env.to_dict(), "environment")) == env
    older = {k: v for k, v in env.to_dict().items() if k not in ("cpu_model", "testbed")}
    read = Environment.from_dict(Reader(older, "environment"))
    assert (read.cpu_model, read.testbed, read.host) == (None, None, env.host)
