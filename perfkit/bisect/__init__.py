"""`perfkit bisect GOOD BAD`: the first commit that made a route slower, found by load.

- `search`: the bisection over the commits between GOOD and BAD (pure: which commit next,
  when it is over), skips included.
- `judge`: good / bad / unknown for one commit from interleaved trials against GOOD, by
  the one verdict rule (`perfkit.analysis.verdict`).
- `repo`: the git questions answered before anything starts (clean tree, ancestry).
- `session`: the I/O: GOOD's build kept running, each commit's build started in a
  temporary worktree (`perfkit.builds`), trials, profiles, budgets.
- `report`: the bisect report (JSON, Markdown and an SVG chart).
- `demo`: a throwaway repository whose commit 11 slows a route (tests, bench, notebook).
"""
