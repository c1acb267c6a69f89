"""perfkit from its wheel, installed outside the checkout, in a project with no files of
its own: the packaged scenario, thresholds and notebooks are found, and the runs and
reports land in that project's ``reports/``.

The wheel is built from a copy of the checkout and installed with ``--no-deps`` into a
fresh venv whose dependencies are the test venv's site-packages, added by a ``.pth`` line
(so the checkout's editable install is not on the path: its finder lives in a ``.pth``
that is not processed from there), and their data files (nbconvert's templates, under
``share/jupyter``) linked in, kernels excepted: the notebooks must run on the fresh
interpreter. Installing pandas, scipy and Jupyter afresh would take minutes and the
network; what this proves is the wheel's own content.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

# one shared module fixture: its tests stay on one xdist worker, so it is made once
pytestmark = pytest.mark.xdist_group("installed-wheel")

REPO = Path(__file__).resolve().parents[2]
_TOP_LEVEL_SKIPPED = {".venv", ".git", "reports", "build", "dist", "tests", "data", "logs"}


def _not_source(folder: str, names: list[str]) -> set[str]:
    """What the wheel is not built from: the top level's venv, outputs and tests, and
    caches anywhere (``perfkit/reports`` is source: only the top-level ``reports`` goes)."""
    skipped = {n for n in names if n == "__pycache__" or n.endswith(("_cache", ".egg-info"))}
    return skipped | (_TOP_LEVEL_SKIPPED & set(names) if Path(folder) == REPO else set())


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=400)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "perfkit"
    shutil.copytree(REPO, source, ignore=_not_source)
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--quiet", "-w", str(out), str(source)]  # fmt: skip
    result = subprocess.run(build, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("perfkit-*.whl")
    return built


def test_the_wheel_ships_the_scenario_thresholds_and_five_notebooks(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "perfkit/resources/scenarios/default.toml" in names
    assert "perfkit/resources/thresholds.toml" in names
    notebooks = sorted(n for n in names if n.startswith("perfkit/resources/notebooks/"))
    assert [Path(n).name[:2] for n in notebooks] == ["01", "02", "03", "04", "05"]
    assert "perfkit/ratelimit/lua/gcra.lua" in names


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_installed_wheel_records_a_baseline_and_runs_a_notebook_in_a_bare_project(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (purelib / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shared = env_dir / "share" / "jupyter"
    shared.mkdir(parents=True)
    for entry in (Path(sys.prefix) / "share" / "jupyter").iterdir():
        if entry.name != "kernels":
            (shared / entry.name).symlink_to(entry)
    env = {
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),  # no user kernels or settings from this machine
        "LANG": "C.UTF-8",
    }
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
               "--quiet", str(wheel)]  # fmt: skip
    installed = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    project = tmp_path / "service"
    project.mkdir()
    where = _run([str(python), "-c", "import perfkit; print(perfkit.__file__)"], project, env)
    assert where.stdout.startswith(str(env_dir)), where.stdout + where.stderr

    perfkit = str(env_dir / "bin" / "perfkit")
    baseline = _run([perfkit, "baseline", "--duration", "1", "--warmup", "0.5"], project, env)
    assert baseline.returncode == 0, baseline.stdout[-2000:] + baseline.stderr[-3000:]
    assert len(list((project / "reports" / "performance").glob("baseline-*.json"))) == 1

    report = _run([perfkit, "report", "--only", "01", "-p", "duration", "1",
                   "-p", "warmup", "0.5"], project, env)  # fmt: skip
    assert report.returncode == 0, report.stdout[-2000:] + report.stderr[-3000:]
    assert "resources/notebooks" in report.stdout  # the packaged notebooks ran
    html = project / "reports" / "html" / "latest" / "01-baseline.html"  # the newest archive
    assert "data:image/png;base64," in html.read_text() and "perfkit-headline" in html.read_text()
    assert len(list((project / "reports" / "performance").glob("baseline-*.json"))) == 2
    # nothing else written there (logs/: the reference service's slow-request log)
    assert {p.name for p in project.iterdir()} <= {"reports", "logs"}
