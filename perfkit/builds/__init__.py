"""Builds of the user's service: a git ref checked out and started on a free port.

- `perfkit.builds.running`: `running_build(project, ref)`, the one way perfkit starts a
  build (`perfkit ab`, confirm-before-failing, `perfkit bisect`), and `given_url(url)`,
  a service already running, as the same `Build`.
- `perfkit.builds.config`: the ``[service]`` table of ``perfkit.toml`` (`parse_service`).
- `perfkit.builds.checkout`: git questions answered before anything starts
  (`resolve_commit`, `merge_base`) and the temporary worktree (`checked_out`).

Nothing is imported here, so `perfkit.project` can read ``[service]`` without loading the
load generator.
"""
