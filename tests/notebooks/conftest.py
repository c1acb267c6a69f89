from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def make_project(folder: Path) -> Path:
    """A project folder of the test's own: the notebooks copied, the repo's data linked,
    so runs and reports land in ``folder`` and never in the checkout's reports/."""
    shutil.copytree(REPO / "perfkit" / "resources" / "notebooks", folder / "notebooks")
    (folder / "data").symlink_to(REPO / "data")
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)
