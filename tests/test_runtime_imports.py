"""Runtime code loads no dev-only library and no benchmark: the service, the CLI and every
module outside `perfkit.bench`, imported in a fresh interpreter, leave `sys.modules` clean."""

from __future__ import annotations

import json
import subprocess
import sys

DEV_ONLY = (
    "limits",
    "locust",
    "cashews",
    "aiocache",
    "slowapi",
    "prometheus_fastapi_instrumentator",
)

# Modules that only a tool's own processes load: they may import that tool (its extra).
TOOL_SIDE = ("perfkit.loadgen.locust_user",)  # the locustfile of Locust's processes

IMPORT_AND_LIST = """
import importlib, json, sys
from pathlib import Path
import perfkit
root = Path(perfkit.__file__).parent
modules = sorted(
    ".".join(("perfkit", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
    for path in root.rglob("*.py")
)
skip = json.loads(sys.argv[1])
names = sys.argv[2:] or [
    name for name in modules
    if not name.startswith("perfkit.bench") and not name.endswith("__main__") and name not in skip
]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def loaded_after_import(*modules: str) -> tuple[list[str], set[str]]:
    """Import `modules` (default: every runtime module) in a fresh interpreter; what loaded."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_LIST, json.dumps(TOOL_SIDE), *modules],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    report = json.loads(out.splitlines()[-1])
    return report["imported"], {name.split(".")[0] for name in report["loaded"]} | set(
        report["loaded"]
    )


def test_the_service_and_the_cli_load_no_dev_only_library() -> None:
    _, loaded = loaded_after_import("perfkit.service.app", "perfkit.cli")
    assert loaded.isdisjoint(DEV_ONLY), sorted(loaded & set(DEV_ONLY))
    assert "perfkit.bench" not in loaded


def test_no_runtime_module_loads_a_dev_only_library_or_a_benchmark() -> None:
    imported, loaded = loaded_after_import()
    assert {"perfkit.ratelimit", "perfkit.cache", "perfkit.measure", "perfkit.runs"} <= set(
        imported
    )
    assert loaded.isdisjoint(DEV_ONLY), sorted(loaded & set(DEV_ONLY))
    assert not any(name.startswith("perfkit.bench") for name in loaded)


def test_the_locust_engine_loads_locust_only_in_its_own_processes() -> None:
    _, loaded = loaded_after_import("perfkit.loadgen.locust_engine", "perfkit.loadgen.generators")
    assert "locust" not in loaded and "gevent" not in loaded


def test_the_check_sees_a_dev_only_import() -> None:
    """The benchmark of the limiter imports `limits`: the same check must notice it."""
    _, loaded = loaded_after_import("perfkit.bench.limiter")
    assert "limits" in loaded


ANALYSIS_ONLY = ("pandas", "numpy", "scipy", "pyarrow", "matplotlib", "jupyter_client", "hdrh",
                 "papermill", "nbformat", "psutil", "httpx", "aiohttp", "typer",
                 "rich")  # fmt: skip


def test_the_runtime_a_service_imports_loads_no_analysis_or_cli_library() -> None:
    """What `pip install perfkit` must be enough for: `perfkit.asgi` and the three parts
    (tests/project/test_installed_wheel.py serves a request with them from the wheel)."""
    _, loaded = loaded_after_import(
        "perfkit.asgi", "perfkit.ratelimit", "perfkit.cache", "perfkit.measure"
    )
    assert loaded.isdisjoint(ANALYSIS_ONLY), sorted(loaded & set(ANALYSIS_ONLY))
