"""Dated report archives: ``html/<UTC timestamp>/`` per suite run, ``html/latest`` -> newest.

Nothing earlier is overwritten: each suite run writes a new folder, ``latest`` (a relative
symlink, swapped atomically) names the newest, and only folders beyond the retention
setting (the oldest first) are removed.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from perfkit.errors import InputError

LATEST = "latest"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z(-\d+)?$")


def stamp(now: datetime) -> str:
    """``2026-12-01T14-05-09Z``: the run artifacts' timestamp form, safe in any file name."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


def new_archive(html_root: Path, now: datetime) -> Path:
    """A fresh folder for this suite run (``-2``, ``-3``... when the second is taken)."""
    html_root.mkdir(parents=True, exist_ok=True)
    base = stamp(now)
    folder, n = html_root / base, 1
    while folder.exists():
        n += 1
        folder = html_root / f"{base}-{n}"
    folder.mkdir()
    return folder


def archives(html_root: Path) -> list[Path]:
    """The archive folders, newest first."""
    if not html_root.is_dir():
        return []
    found = [p for p in html_root.iterdir() if p.is_dir() and not p.is_symlink()
             and STAMP.match(p.name)]  # fmt: skip
    return sorted(found, key=lambda p: (p.name[:20], len(p.name), p.name), reverse=True)


def point_latest(html_root: Path, archive: Path) -> Path:
    """Make ``html_root/latest`` a relative symlink to ``archive`` (replaced atomically)."""
    link = html_root / LATEST
    temporary = html_root / f".{LATEST}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(archive.name, target_is_directory=True)
    os.replace(temporary, link)
    return link


def check_keep(keep: int) -> None:
    """The retention setting: at least the archive being written is kept."""
    if keep < 1:
        raise InputError(f"--keep must be at least 1 archive (got {keep})")


def prune(html_root: Path, keep: int, current: Path) -> list[Path]:
    """Remove the archives beyond the newest ``keep`` (never ``current``, the one being
    written); return what was removed."""
    check_keep(keep)
    others = [a for a in archives(html_root) if a != current]
    removed = others[keep - 1 :]
    for folder in removed:
        shutil.rmtree(folder)
    return removed
