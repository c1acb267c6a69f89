"""The CI outputs of a comparison whose environment changed: the headline first, one failing
``environment`` check with the reasons, and no metric blamed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from perfkit.analysis.compare import compare_runs
from perfkit.ci import comparison_outcome, render_summary
from perfkit.machine import Testbed as Bed

from ..analysis.test_verdict import simulate


def test_another_testbed_fails_on_the_environment_not_on_the_code() -> None:
    rng = np.random.default_rng(3)
    base = replace(simulate(rng, "a", trials=1, session=None), testbed=Bed("ci-1", 2))
    slower = simulate(rng, "b", trials=1, session=None, slow={"chat": 3.0})
    result = compare_runs(base, replace(slower, testbed=Bed("ci-2", 2))).to_dict()
    assert result["outcome"] == "environment changed" and result["regressed"] is True
    outcome = comparison_outcome(result)
    assert not outcome.passed
    assert [c.name for c in outcome.failures] == ["environment"]
    assert "different testbeds: ci-1 vs ci-2" in outcome.failures[0].message
    summary = render_summary(outcome)
    assert "ENVIRONMENT CHANGED: re-run" in summary.splitlines()[2]
