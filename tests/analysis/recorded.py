"""The runs recorded in ``data/`` (`tests.analysis.recording`: two of the app as it is,
then one with 30 ms added to ``/items``), copied into a test's folder.

``newest_testbed`` relabels the newest run as measured on another testbed, as a run
recorded on another CI runner says of itself (``environment.testbed``, from
``PERFKIT_TESTBED`` or the runner's name): its figures stay the ones measured.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson

DATA = Path(__file__).parent / "data"


def copy_recorded(folder: Path, *, newest_testbed: str | None = None) -> list[Path]:
    """The recorded runs copied into ``folder``; their JSON files, oldest first."""
    shutil.copytree(DATA, folder)
    runs = sorted(folder.glob("baseline-*.json"))
    if newest_testbed is not None:
        document = orjson.loads(runs[-1].read_bytes())
        document["environment"]["testbed"] = newest_testbed
        runs[-1].write_bytes(orjson.dumps(document))
    return runs
