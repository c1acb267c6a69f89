"""Text from the code made safe for one Markdown table cell."""

from __future__ import annotations

import re

_CODE = re.compile(r"(`[^`]*`)")


def cell(text: object) -> str:
    """One line; pipes escaped; ``<`` and ``>`` outside code spans as entities, so help
    text like ``baseline-<UTC ts>.json`` is shown, not read as an HTML tag."""
    parts = _CODE.split(" ".join(str(text).split()))
    return "".join(
        part if part.startswith("`") else part.replace("<", "&lt;").replace(">", "&gt;")
        for part in parts
    ).replace("|", "\\|")
