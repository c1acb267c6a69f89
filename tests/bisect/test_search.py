"""The bisection order, skips and the end of the search (pure)."""

from __future__ import annotations

from perfkit.bisect.search import Search


def run(commits: int, first_bad: int, skip: frozenset[int] = frozenset()) -> Search:
    search = Search([f"c{i}" for i in range(commits)])
    while (i := search.next()) is not None:
        search.record(i, "skip" if i in skip else ("bad" if i >= first_bad else "good"))
    return search


def test_finds_every_position_in_log2_steps() -> None:
    for first_bad in range(15):
        search = run(15, first_bad)
        assert search.exact and search.first_bad == first_bad
        assert len(search.outcomes) - 1 <= 4  # BAD itself is known


def test_steps_around_a_skipped_commit() -> None:
    search = run(5, 3, skip=frozenset({1}))
    assert search.exact and search.suspects() == ["c3"]


def test_a_skip_next_to_the_culprit_leaves_two_suspects() -> None:
    search = run(5, 3, skip=frozenset({2}))
    assert not search.exact and search.suspects() == ["c2", "c3"]
