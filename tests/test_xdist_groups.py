"""The tests of one ``xdist_group`` run on one pytest-xdist worker, so the expensive fixture
they share (a recorded suite run, a built wheel, the profiled pair) is made once.

pytest-xdist puts a test in its group by renaming it: ``--dist loadgroup`` sends every id
ending in ``@<group>`` to the same worker. pytest 9.2 keeps a node's id where pytest-xdist
3.8 no longer renames it, and every group was split without a word: the notebook suite ran
twice, each module fixture once per worker. This test fails when the renaming stops
working again (pyproject.toml holds pytest below 9.2 for that reason).
"""

from __future__ import annotations

import pytest

GROUP = "xdist-group-check"

pytestmark = pytest.mark.xdist_group(GROUP)


def test_a_grouped_test_carries_its_group_in_its_id(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only a pytest-xdist worker under --dist loadgroup (make test) groups tests")
    assert request.node.nodeid.endswith(f"@{GROUP}"), request.node.nodeid
