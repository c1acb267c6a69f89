"""`perfkit baseline` / `perfkit smoke` as a user runs them: a subprocess against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.embedded import free_port

SCENARIO = """name = "cli"
[[endpoints]]
name = "ok"
path = "/ok"
category = "health"
[[endpoints]]
name = "limited"
path = "/limited"
expect = [429]
"""


def perfkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfkit", *args], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "CI": "true"},
    )  # fmt: skip


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "cli.toml"
    path.write_text(SCENARIO)
    return path


def test_smoke_passes_writes_artifacts_and_fails_when_a_criterion_is_broken(
    status_url: str, scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    common = ["--target", status_url, "--scenario", str(scenario), "--requests", "60",
              "--warmup", "0", "--out", str(out)]  # fmt: skip
    passed = perfkit("smoke", *common)
    assert passed.returncode == 0, passed.stderr
    assert "smoke test: PASS" in passed.stdout and "overall error rate" in passed.stdout
    strict = tmp_path / "strict.toml"
    strict.write_text("health_latency_ms = 0\n")  # nothing answers in 0 ms: broken on purpose
    failed = perfkit("smoke", *common, "--thresholds", str(strict))
    assert failed.returncode == 1
    assert "smoke test: FAIL" in failed.stdout and "ok p95 latency" in failed.stdout
    unreachable = perfkit("smoke", *common[2:], "--target", f"http://127.0.0.1:{free_port()}")
    assert unreachable.returncode == 2 and "is unreachable" in unreachable.stderr
    assert unreachable.stderr.count("\n") == 1
    assert len(list(out.glob("smoke-*.json"))) == 2
    assert len(list(out.glob("smoke-summary-*.md"))) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", f"http://127.0.0.1:{free_port()}"], "is unreachable"),
        (["--duration", "-1"], "duration must be > 0"),
        (["--rate", "0"], "rate must be > 0"),
        (["--scenario", "BAD"], "unknown field 'retries'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_artifact(
    *,
    status_url: str,
    scenario: Path,
    tmp_path: Path,
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through `perfkit.cli.main` in-process (the subprocess path is covered above)."""
    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO + "retries = 3\n")
    args = [str(bad) if a == "BAD" else a for a in args]
    defaults = {"--target": status_url, "--scenario": str(scenario), "--duration": "1"}
    for flag, value in defaults.items():
        if flag not in args:
            args += [flag, value]
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["perfkit", "baseline", *args, "--out", str(out)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and message in stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.slow
def test_smoke_against_the_reference_service_on_an_embedded_redis(tmp_path: Path) -> None:
    result = perfkit("smoke", "--duration", "2", "--warmup", "0.5", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke test: PASS" in result.stdout
    assert "reference-service" in result.stdout
    run = json.loads(next(tmp_path.glob("smoke-2*.json")).read_text())
    # the run keeps the target's cache and Redis documents, and its health score from them
    assert run["server"]["cache"]["global"]["lookups"] > 0
    assert run["server"]["redis"]["status"] == "healthy"
    assert 0 <= run["health"]["score"] <= 100
    assert "cache_hit_rate" not in run["health"]["not_measured"]
    assert "redis_status" not in run["health"]["not_measured"]
