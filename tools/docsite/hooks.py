"""mkdocs hook: a page's ``<!-- generate: NAME -->`` line is replaced at build time by the
Markdown the code produces (the CLI, the settings, the notebooks' parameters, the
samples' columns), so those references cannot fall behind the code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.docsite.generated import GENERATORS

MARKER = "<!-- generate: {} -->"


def expand(markdown: str, generators: dict[str, Callable[[], str]] = GENERATORS) -> str:
    """``markdown`` with every marker replaced by its generator's output."""
    for name, generate in generators.items():
        marker = MARKER.format(name)
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    if "<!-- generate: " in markdown:
        unknown = markdown.split("<!-- generate: ", 1)[1].split(" ", 1)[0]
        raise ValueError(f"unknown generated section {unknown!r}")
    return markdown


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return expand(markdown)
