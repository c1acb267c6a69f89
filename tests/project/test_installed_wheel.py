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
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import orjson
import pytest

from perfkit.connection import RedisTarget
from perfkit.serving import serve_process

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


def test_the_wheel_ships_the_scenario_thresholds_notebooks_and_profiles(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "perfkit/resources/scenarios/default.toml" in names
    assert "perfkit/resources/thresholds.toml" in names
    notebooks = sorted(n for n in names if n.startswith("perfkit/resources/notebooks/"))
    assert [Path(n).name[:2] for n in notebooks] == ["01", "02", "03", "04", "05", "06"]
    assert "perfkit/ratelimit/lua/gcra.lua" in names
    # notebook 06's recorded profile pair, so it runs outside a checkout
    assert "perfkit/resources/profiles/base.profile.json.gz" in names
    assert "perfkit/resources/profiles/head.profile.json.gz" in names


NOTEBOOKS = ("01-baseline", "02-compare", "03-trends", "04-health-analytics",
             "05-cache-ratelimit-lab", "06-bisect-profile")  # fmt: skip
SHORT_RUN = ["-p", "duration", "1", "-p", "warmup", "0.5"]  # notebook 01's baseline


def _installed(wheel: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel (see the module docstring): its folder and environment."""
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
    return env_dir, env


def _suite_says_ok(result: subprocess.CompletedProcess[str], names: tuple[str, ...]) -> None:
    """Exit 0, an ``ok`` line per notebook, and nothing from a kernel on the terminal."""
    shown = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, shown
    for name in names:
        assert re.search(rf"^  {name} +[\d.]+ s  ok$", result.stdout, re.MULTILINE), shown
    assert "Traceback" not in shown and "[IPKernelApp]" not in shown, shown


def _no_traceback(project: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Each notebook's report page (the newest archive); none shows an error output."""
    pages = {}
    for name in names:
        executed = orjson.loads((project / "reports" / "notebooks" / f"{name}.ipynb").read_bytes())
        errors = [o for c in executed["cells"] for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]  # fmt: skip
        assert not errors, (name, errors)
        pages[name] = (project / "reports" / "html" / "latest" / f"{name}.html").read_text()
        assert "Traceback" not in pages[name], name
    return pages


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_an_installed_wheel_runs_the_whole_report_in_an_empty_folder(
    wheel: Path, tmp_path: Path
) -> None:
    """A user's first `perfkit report` in an empty folder: every notebook succeeds, with
    real content where one run is enough and, where it is not, what is missing and how to
    record it; a second run makes notebook 02 a real comparison."""
    env_dir, env = _installed(wheel, tmp_path)
    project = tmp_path / "service"
    project.mkdir()
    where = _run([str(env_dir / "bin" / "python"), "-c", "import perfkit; print(perfkit.__file__)"],
                 project, env)  # fmt: skip
    assert where.stdout.startswith(str(env_dir)), where.stdout + where.stderr
    perfkit = str(env_dir / "bin" / "perfkit")

    report = _run([perfkit, "report", *SHORT_RUN], project, env)
    _suite_says_ok(report, NOTEBOOKS)
    assert "resources/notebooks" in report.stdout  # the packaged notebooks ran
    pages = _no_traceback(project, NOTEBOOKS)
    assert "data:image/png;base64," in pages["01-baseline"]
    assert "perfkit-headline" in pages["01-baseline"]
    assert "No comparison yet" in pages["02-compare"]  # and how to record the second run:
    assert "perfkit baseline" in pages["02-compare"]
    assert "Too few runs for a trend" in pages["03-trends"]
    assert re.search(r"Health \d+/100", pages["04-health-analytics"])  # one run is enough
    assert "no pre/post comparison" in pages["04-health-analytics"]
    assert "image/svg+xml" in pages["06-bisect-profile"]  # the shipped pair's flame graph
    assert "PERFKIT_PROFILE=true" in pages["06-bisect-profile"]  # how to profile one's own
    assert len(list((project / "reports" / "performance").glob("baseline-*.json"))) == 1

    baseline = _run([perfkit, "baseline", "--duration", "1", "--warmup", "0.5"], project, env)
    assert baseline.returncode == 0, baseline.stdout[-2000:] + baseline.stderr[-3000:]
    assert len(list((project / "reports" / "performance").glob("baseline-*.json"))) == 2
    again = _run([perfkit, "report", "--only", "02"], project, env)
    _suite_says_ok(again, ("02-compare",))
    compared = _no_traceback(project, ("02-compare",))["02-compare"]
    assert "No comparison yet" not in compared and "perfkit-headline" in compared
    # nothing else written there (logs/: the reference service's slow-request log)
    assert {p.name for p in project.iterdir()} <= {"reports", "logs"}


# What a service's image gets from `pip install perfkit`: the runtime, no analysis.
ANALYSIS_ONLY = ("pandas", "numpy", "scipy", "pyarrow", "matplotlib", "jupyter_client", "hdrh",
                 "jupyterlab", "papermill", "nbformat", "psutil", "httpx", "aiohttp")  # fmt: skip
SERVE_ONE_REQUEST = """
import asyncio, json, sys
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from perfkit.asgi import Perfkit

perf = Perfkit.from_env(ttls={"users": 60})

@perf.cached(ttl="1m", key="user:{user_id}")
async def load(user_id: int) -> dict:
    return {"id": user_id}

async def user(request):
    return JSONResponse(await load(int(request.path_params["user_id"])))

app = Starlette(routes=[Route("/users/{user_id}", user)])
perf.install(app)

async def main() -> list[int]:
    statuses = []
    async def call(path: str) -> None:
        scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": path,
                 "raw_path": path.encode(), "query_string": b"", "headers": [],
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80), "scheme": "http",
                 "root_path": "", "app": app}
        async def receive(): return {"type": "http.request", "body": b"", "more_body": False}
        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
        await app(scope, receive, send)
    async with app.router.lifespan_context(app):
        await call("/users/7")
        await call("/users/7")
        await call("/metrics")
    return statuses

print(json.dumps({"statuses": asyncio.run(main()), "modules": sorted(sys.modules)}))
"""


def _site_bytes(env_dir: Path) -> int:
    return sum(p.stat().st_size for p in env_dir.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_without_extras_is_the_runtime_alone(
    wheel: Path, tmp_path: Path, redis_target: RedisTarget
) -> None:
    """A fresh venv, `pip install perfkit.whl` from the index: its size and time (written to
    the test's output), a request served through the middleware and the cache loading no
    analysis library, an analysis command saying which extra it needs (exit 2), and the
    tutorial app running once the service's own FastAPI and uvicorn are installed."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python, before = str(env_dir / "bin" / "python"), _site_bytes(env_dir)
    started = time.perf_counter()
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)],
                               capture_output=True, text=True, timeout=600)  # fmt: skip
    seconds = time.perf_counter() - started
    assert installed.returncode == 0, installed.stderr[-3000:]
    megabytes = (_site_bytes(env_dir) - before) / 1e6
    print(f"pip install perfkit (no extras): {megabytes:.1f} MB in {seconds:.1f} s")
    assert megabytes <= 25, f"{megabytes:.1f} MB"

    env = {"PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}", "LANG": "C.UTF-8",
           "HOME": str(tmp_path), "REDIS_URL": redis_target.url,
           "REDIS_KEY_PREFIX": "pktest-wheel:", "ENABLE_SLOW_REQUEST_LOGGING": "false"}  # fmt: skip
    served = _run([python, "-c", SERVE_ONE_REQUEST], tmp_path, env)
    assert served.returncode == 0, served.stderr[-3000:]
    report = orjson.loads(served.stdout.splitlines()[-1])
    assert report["statuses"] == [200, 200, 200]
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert loaded.isdisjoint(ANALYSIS_ONLY), sorted(loaded & set(ANALYSIS_ONLY))

    perfkit = str(env_dir / "bin" / "perfkit")
    for command, extra in (("baseline", "analysis"), ("compare", "analysis"),
                           ("report", "notebooks"), ("init", "cli")):  # fmt: skip
        refused = _run([perfkit, command, *(["a", "b"] if command == "compare" else [])],
                       tmp_path, env)  # fmt: skip
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.count("\n") == 1, refused.stderr
        assert f"pip install 'perfkit[{extra}]'" in refused.stderr

    stack = subprocess.run([python, "-m", "pip", "install", "--quiet", "fastapi", "uvicorn"],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert stack.returncode == 0, stack.stderr[-3000:]
    command = [python, "-m", "uvicorn", "--app-dir", str(REPO), "--port", "{port}",
               "examples.fastapi_app:app"]  # fmt: skip
    with serve_process(command, name="the tutorial app", ready_path="/health", env=env) as app:
        answer = _run([python, "-c", f"import urllib.request as u; print(u.urlopen("
                       f"'{app.url}/users/3').read().decode())"], tmp_path, env)  # fmt: skip
        assert answer.stdout.strip() == '{"id":3,"name":"user 3"}', answer.stderr
        metrics = _run([python, "-c", f"import urllib.request as u; print(u.urlopen("
                        f"'{app.url}/metrics').read().decode())"], tmp_path, env)  # fmt: skip
        assert 'route="/users/{user_id}"' in metrics.stdout
