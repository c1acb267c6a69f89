"""Executed notebook -> one self-contained HTML page (nbconvert with perfkit's template).

The template (`perfkit/resources/templates/perfkit_report`) extends JupyterLab's and drops
everything it would fetch from the network (require.js, MathJax, Mermaid, the widget
manager), so a report opens offline and tells no third party it was opened. Images are
inlined as data URIs. Before export, the cell tagged ``headline`` moves right under the
title, and what cells wrote to stderr is taken out of the page flow into a collapsed
"Notes" section; those notes are returned so the suite can log them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from perfkit.atomic import write_text

TEMPLATE = "perfkit_report"
HEADLINE_TAG = "headline"


@dataclass(frozen=True)
class Exported:
    html: Path
    notes: list[str]


def _templates_dir() -> str:
    return str(files("perfkit") / "resources" / "templates")


def headline_first(notebook: NotebookNode) -> NotebookNode:
    """The cells tagged ``headline`` moved right after the first Markdown cell (the title)."""
    cells = list(notebook.cells)
    headlines = [c for c in cells if HEADLINE_TAG in c.get("metadata", {}).get("tags", [])]
    rest = [c for c in cells if c not in headlines]
    title = next((i for i, c in enumerate(rest) if c.cell_type == "markdown"), -1)
    notebook.cells = rest[: title + 1] + headlines + rest[title + 1 :]
    return notebook


def stderr_notes(notebook: NotebookNode) -> list[str]:
    """What the cells wrote to stderr (log lines, warnings), one entry per output."""
    return [
        str(output.get("text", "")).rstrip()
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]


def exporter(show_code: bool = False) -> HTMLExporter:
    return HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[_templates_dir()],
        embed_images=True,
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def export_html(executed: Path, target: Path, show_code: bool = False) -> Exported:
    """Write ``target`` from the executed notebook; code hidden unless ``show_code``."""
    notebook = headline_first(nbformat.read(str(executed), as_version=4))
    notes = stderr_notes(notebook)
    body, _ = exporter(show_code).from_notebook_node(notebook, resources={"perfkit_notes": notes})
    write_text(target, body)
    return Exported(target, notes)
