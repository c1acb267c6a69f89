"""The generated sections a page can ask for, by name (see hooks.py)."""

from __future__ import annotations

from collections.abc import Callable

from tools.docsite.cli_reference import cli_reference
from tools.docsite.notebook_parameters import notebook_reference
from tools.docsite.settings_reference import env_reference, toml_reference


def samples_columns() -> str:
    from perfkit.runs.samples import SCHEMA  # noqa: PLC0415  (pyarrow: only when asked)

    rows = [f"| `{field.name}` | `{field.type}` |" for field in SCHEMA]
    return "\n".join(["| column | type |", "|---|---|", *rows]) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "cli": cli_reference,
    "env": env_reference,
    "toml": toml_reference,
    "notebook-parameters": notebook_reference,
    "samples-columns": samples_columns,
}
