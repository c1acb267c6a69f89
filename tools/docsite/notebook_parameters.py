"""The notebooks' parameters, read from the ``parameters`` cell of each packaged notebook:
name, default and the comment beside it, as papermill and `perfkit report -p` see them."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from tools.docsite.cells import cell

NOTEBOOKS = Path(__file__).resolve().parents[2] / "perfkit" / "resources" / "notebooks"


def parameters(notebook: Path) -> list[tuple[str, str, str]]:
    """(name, default, comment) of each assignment in the notebook's parameters cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    (tagged,) = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    source = "".join(tagged["source"])
    found = []
    lines = source.splitlines()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            line = lines[node.lineno - 1]
            comment = line.split("#", 1)[1].strip() if "#" in line else ""
            found.append((node.targets[0].id, ast.unparse(node.value), comment))
    return found


def notebook_reference() -> str:
    out: list[str] = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        out += [f"### `{notebook.stem}`", "", "| parameter | default | meaning |", "|---|---|---|"]
        for name, default, comment in parameters(notebook):
            out.append(f"| `{name}` | `{default}` | {cell(comment)} |")
        out.append("")
    return "\n".join(out)
