"""The bisection over ``git rev-list --ancestry-path GOOD..BAD`` (oldest first, BAD last).

Pure: `Search` holds what is known (good, bad, skipped, by index) and answers which commit
to try next; no git, no clock. GOOD is index -1 (known good), BAD the last index (known
bad once its regression is confirmed). A skipped commit (it did not start, or its verdict
stayed unknown) is stepped around: the untried commit nearest the middle is tried instead,
as ``git bisect skip`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["good", "bad", "skip"]


@dataclass
class Search:
    commits: list[str]  # oldest first; the last is BAD
    outcomes: dict[int, Outcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.commits:
            raise ValueError("nothing between GOOD and BAD")
        self.outcomes.setdefault(len(self.commits) - 1, "bad")

    @property
    def last_good(self) -> int:
        """Index of the newest commit known good (-1: GOOD itself)."""
        bad = self.first_bad
        goods = [i for i, o in self.outcomes.items() if o == "good" and i < bad]
        return max(goods, default=-1)

    @property
    def first_bad(self) -> int:
        return min(i for i, o in self.outcomes.items() if o == "bad")

    def record(self, index: int, outcome: Outcome) -> None:
        self.outcomes[index] = outcome

    def untried(self) -> list[int]:
        """Commits strictly between the last good and the first bad, not tried yet."""
        return [i for i in range(self.last_good + 1, self.first_bad) if i not in self.outcomes]

    def next(self) -> int | None:
        """The commit to try next, or None when the search is over."""
        left = self.untried()
        if not left:
            return None
        middle = (self.last_good + self.first_bad) / 2
        return min(left, key=lambda i: (abs(i - middle), i))

    @property
    def done(self) -> bool:
        return self.next() is None

    @property
    def exact(self) -> bool:
        """True when the first bad commit is pinned: the commit before it is good."""
        return self.first_bad == self.last_good + 1

    def suspects(self) -> list[str]:
        """The commits that may be the first bad one (one when `exact`)."""
        return self.commits[self.last_good + 1 : self.first_bad + 1]
