"""The notebook suite: papermill executes each notebook, nbconvert exports it to HTML,
and each suite run is archived under ``html/<UTC timestamp>/`` with a dashboard index.

One notebook failing is reported with its failing cell and does not stop the others.
Kernels are named (``perfkit``, installed into the venv by ``make setup``) and every cell
has an execution timeout, because papermill's default waits forever (papermill#125).
"""

from __future__ import annotations

import ast
import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.kernelspec import NoSuchKernel
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from perfkit.errors import InputError
from perfkit.reports.archive import check_keep, new_archive, point_latest, prune
from perfkit.reports.dashboard import gather
from perfkit.reports.export import export_html
from perfkit.reports.index import write_indexes
from perfkit.reports.kernels import (
    FALLBACK_KERNEL,
    KERNEL,
    QuietShutdownKernelManager,
    kernel_config,
    kernel_name,
)
from perfkit.reports.selection import history_folders

CELL_TIMEOUT_S = 300
KEEP_ARCHIVES = 20  # suite runs kept under html/ (perfkit report --keep)
log = logging.getLogger("perfkit.suite")


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


def run_notebook(
    notebook: Path, executed: Path, parameters: Mapping[str, Any], cwd: Path
) -> str | None:
    """Execute one notebook; return None on success, else a one-line error naming the cell."""
    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="perfkit-kernel-") as sockets:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=dict(parameters),
                kernel_name=kernel_name(),
                progress_bar=False,
                cwd=str(cwd),
                execution_timeout=CELL_TIMEOUT_S,
                config=kernel_config(Path(sockets)),
                kernel_manager_class=QuietShutdownKernelManager,
            )
    except PapermillExecutionError as exc:
        evalue = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        return f"cell {exc.exec_count}: {exc.ename}: {evalue}"
    except NoSuchKernel:
        return f"no Jupyter kernel named {KERNEL!r} or {FALLBACK_KERNEL!r}: install ipykernel"
    except (CellTimeoutError, DeadKernelError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


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
    keep: int = KEEP_ARCHIVES,
    now: datetime | None = None,
) -> list[NotebookResult]:
    """Run every notebook (or those ``only`` names) and export it into a new archive
    ``html/<UTC timestamp>/``; then the archives beyond ``keep`` are removed, the dashboard
    written (``index.html`` there and in ``html/``) and ``html/latest`` pointed at it. Never
    stops at a failure. ``context``: see `assign_parameters`."""
    check_keep(keep)
    notebooks = discover(notebooks_dir, only)
    assigned = assign_parameters(notebooks, parameters, context)
    now = now or datetime.now(UTC)
    html_root = reports_dir / "html"
    archive = new_archive(html_root, now)
    results = []
    for notebook in notebooks:
        started = time.perf_counter()
        executed = reports_dir / "notebooks" / notebook.name
        error = run_notebook(notebook, executed, assigned[notebook], cwd or Path.cwd())
        html_path = None
        if executed.exists():
            exported = export_html(executed, archive / f"{notebook.stem}.html", show_code)
            for note in exported.notes:
                log.warning("%s: %s", notebook.stem, note)
            html_path = exported.html
        result = NotebookResult(
            notebook.stem, error is None, time.perf_counter() - started, executed, html_path, error
        )
        results.append(result)
        if progress is not None:
            progress(result)
    base = cwd or Path.cwd()
    history = [base / folder for folder in history_folders("", str(reports_dir))]
    prune(html_root, keep, current=archive)
    write_indexes(reports_dir, archive, results, gather(base / reports_dir, history), now)
    point_latest(html_root, archive)
    return results
