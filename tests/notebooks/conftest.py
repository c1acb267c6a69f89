from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder of the test's own: the notebooks copied, the repo's data linked,
    so runs and reports land in tmp_path and never in the checkout's reports/."""
    shutil.copytree(REPO / "perfkit" / "resources" / "notebooks", tmp_path / "notebooks")
    (tmp_path / "data").symlink_to(REPO / "data")
    return tmp_path
