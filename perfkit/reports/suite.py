"""The notebook suite: papermill executes each notebook, nbconvert exports it to HTML.

One notebook failing is reported with its failing cell and does not stop the others.
Kernels are named (``perfkit``, installed into the venv by ``make setup``) and every cell
has an execution timeout, because papermill's default waits forever (papermill#125).
"""

from __future__ import annotations

import ast
import html
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from traitlets.config import Config

from perfkit.atomic import write_text
from perfkit.errors import InputError

KERNEL = "perfkit"
FALLBACK_KERNEL = "python3"
CELL_TIMEOUT_S = 300


@dataclass(frozen=True)
class NotebookResult:
    name: str
    ok: bool
    seconds: float
    executed: Path
    html: Path | None
    error: str | None = None


def discover(notebooks_dir: Path, only: Sequence[str] = ()) -> list[Path]:
    """The notebooks of the folder, sorted; ``only``: those whose name starts with one."""
    notebooks = sorted(notebooks_dir.glob("*.ipynb"))
    if not notebooks:
        raise InputError(f"no notebooks found in {notebooks_dir}")
    if only:
        notebooks = [nb for nb in notebooks if nb.stem.startswith(tuple(only))]
        if not notebooks:
            raise InputError(f"no notebook in {notebooks_dir} starts with {', '.join(only)}")
    return notebooks


def _convert(name: str, raw: str, type_name: str) -> Any:
    try:
        if type_name == "bool":
            lowered = raw.lower()
            if lowered not in {"true", "false", "1", "0"}:
                raise ValueError(raw)
            return lowered in {"true", "1"}
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError:
        raise InputError(f"parameter {name!r} must be {type_name}, got {raw!r}") from None
    return raw


def _declared_type(declared: Mapping[str, Any]) -> str:
    """The type of a parameter: its annotation, else the type of its default literal."""
    annotated = str(declared.get("inferred_type_name", "None"))
    if annotated != "None":
        return annotated
    try:
        return type(ast.literal_eval(str(declared["default"]))).__name__
    except (ValueError, SyntaxError):
        return "str"


def assign_parameters(
    notebooks: list[Path], given: Mapping[str, Any], context: Mapping[str, Any] | None = None
) -> dict[Path, dict[str, Any]]:
    """Give each notebook the parameters it declares, typed as its defaults.

    A ``given`` name no notebook declares is refused here, before anything runs.
    ``context`` (the target and reports folder the runner supplies) goes only to the
    notebooks that declare it, and ``given`` overrides it.
    """
    declared = {nb: papermill.inspect_notebook(str(nb)) for nb in notebooks}
    known = {name for params in declared.values() for name in params}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(
            f"unknown parameter(s) {', '.join(unknown)}; the notebooks take: "
            + ", ".join(sorted(known))
        )
    assigned: dict[Path, dict[str, Any]] = {}
    for nb, params in declared.items():
        chosen: dict[str, Any] = {}
        for name, value in {**(context or {}), **given}.items():
            if name in params:
                kind = _declared_type(params[name])
                chosen[name] = _convert(name, value, kind) if isinstance(value, str) else value
        assigned[nb] = chosen
    return assigned


def _kernel_config() -> Config:
    """Kernels talk over IPC (local socket files), not TCP: nothing listens on the network,
    and ipykernel does not warn about unencrypted TCP for every notebook."""
    config = Config()
    config.KernelManager.transport = "ipc"
    return config


def kernel_name() -> str:
    """``perfkit`` when installed (``make setup``), else ``python3``: the kernel of the
    running interpreter (jupyter_client starts a ``python`` kernelspec with sys.executable),
    so a perfkit installed from its wheel runs its notebooks with no kernel to install."""
    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else FALLBACK_KERNEL


def run_notebook(
    notebook: Path, executed: Path, parameters: Mapping[str, Any], cwd: Path
) -> str | None:
    """Execute one notebook; return None on success, else a one-line error naming the cell."""
    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=dict(parameters),
            kernel_name=kernel_name(),
            progress_bar=False,
            cwd=str(cwd),
            execution_timeout=CELL_TIMEOUT_S,
            config=_kernel_config(),
        )
    except PapermillExecutionError as exc:
        evalue = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        return f"cell {exc.exec_count}: {exc.ename}: {evalue}"
    except NoSuchKernel:
        return f"no Jupyter kernel named {KERNEL!r} or {FALLBACK_KERNEL!r}: install ipykernel"
    except (CellTimeoutError, DeadKernelError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def export_html(executed: Path, target: Path, show_code: bool = False) -> Path:
    """Static HTML with charts embedded as images; code hidden unless ``show_code``."""
    notebook = nbformat.read(str(executed), as_version=4)
    exporter = HTMLExporter(
        exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(notebook)
    write_text(target, body)
    return target


def run_suite(
    notebooks_dir: Path,
    reports_dir: Path,
    parameters: Mapping[str, Any],
    *,
    context: Mapping[str, Any] | None = None,
    only: Sequence[str] = (),
    show_code: bool = False,
    cwd: Path | None = None,
    progress: Callable[[NotebookResult], None] | None = None,
) -> list[NotebookResult]:
    """Run every notebook (or those ``only`` names), export it, write ``html/index.html``;
    never stop at a failure. ``context``: see `assign_parameters`."""
    notebooks = discover(notebooks_dir, only)
    assigned = assign_parameters(notebooks, parameters, context)
    results = []
    for notebook in notebooks:
        started = time.perf_counter()
        executed = reports_dir / "notebooks" / notebook.name
        error = run_notebook(notebook, executed, assigned[notebook], cwd or Path.cwd())
        html_path = None
        if executed.exists():
            html_path = export_html(executed, reports_dir / "html" / f"{notebook.stem}.html",
                                    show_code)  # fmt: skip
        result = NotebookResult(
            notebook.stem, error is None, time.perf_counter() - started, executed, html_path, error
        )
        results.append(result)
        if progress is not None:
            progress(result)
    write_index(reports_dir, results)
    return results


def _newest(directory: Path, pattern: str) -> Path | None:
    found = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def write_index(reports_dir: Path, results: list[NotebookResult]) -> Path:
    """``html/index.html``: every report with its status, and the newest artifacts."""
    html_dir = reports_dir / "html"
    rows = []
    for r in results:
        link = (
            f'<a href="{html.escape(r.html.name)}">{html.escape(r.name)}</a>' if r.html else r.name
        )
        status = "ok" if r.ok else f"FAILED: {html.escape(r.error or '')}"
        rows.append(f"<tr><td>{link}</td><td>{status}</td><td>{r.seconds:.1f} s</td></tr>")
    artifacts = []
    for label, directory, pattern in (
        ("latest baseline (JSON)", reports_dir / "performance", "baseline-*.json"),
        ("latest baseline summary", reports_dir / "performance", "baseline-summary-*.md"),
        ("latest smoke run (JSON)", reports_dir / "performance", "smoke-*.json"),
        ("latest smoke summary", reports_dir / "performance", "smoke-summary-*.md"),
        ("latest analytics report", reports_dir / "mcp-analytics", "*.json"),
        ("latest analytics summary", reports_dir / "mcp-analytics", "*.md"),
    ):
        newest = _newest(directory, pattern) if directory.is_dir() else None
        if newest is not None:
            href = html.escape(os.path.relpath(newest, html_dir))
            artifacts.append(f'<li>{label}: <a href="{href}">{html.escape(newest.name)}</a></li>')
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>perfkit reports</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{padding:4px 12px}</style></head>"
        f"<body><h1>perfkit reports</h1><p>Generated {time.strftime('%Y-%m-%d %H:%M:%S %Z')}</p>"
        "<table><tr><th>report</th><th>status</th><th>time</th></tr>"
        + "".join(rows)
        + "</table><h2>Artifacts</h2><ul>"
        + ("".join(artifacts) or "<li>none yet</li>")
        + "</ul></body></html>"
    )
    index = html_dir / "index.html"
    write_text(index, page)
    return index
