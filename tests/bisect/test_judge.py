"""good / bad / unknown from trial values, through the real verdict functions."""

from __future__ import annotations

from perfkit.analysis.verdict import CompareOptions
from perfkit.bisect.judge import judge

OPTIONS = CompareOptions()
GOOD = [5.0, 5.1, 4.9, 5.05, 4.95, 5.02]


def test_a_clear_slowdown_is_bad_and_confirms_bad() -> None:
    verdict = judge("work", "p50", GOOD, [7.0, 7.1, 6.9, 7.05, 6.95, 7.0], options=OPTIONS,
                    bad_change=None)  # fmt: skip
    assert verdict.answer == "bad" and verdict.change is not None and verdict.change > 0.3


def test_no_change_with_tight_trials_is_good() -> None:
    verdict = judge("work", "p50", GOOD, [5.02, 4.98, 5.0, 5.04, 4.96, 5.01], options=OPTIONS,
                    bad_change=0.4)  # fmt: skip
    assert verdict.answer == "good"


def test_too_noisy_to_tell_is_unknown() -> None:
    verdict = judge("work", "p50", [5.0, 8.0], [6.0, 9.5], options=OPTIONS, bad_change=0.4)
    assert verdict.answer == "unknown"
