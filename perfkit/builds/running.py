"""One build of the user's service, running for one block: `running_build` and `given_url`.

A build is a git ref: checked out into a temporary worktree (`perfkit.builds.checkout`),
started with the ``[service]`` command of ``perfkit.toml`` on a free loopback port, and
waited on until its readiness path answers (`perfkit.serving.serve_process`). When the
block ends, however it ends, the service's process group is stopped and the worktree
removed. `perfkit ab`, confirm-before-failing and `perfkit bisect` all start builds this
way::

    with running_build(project, "main") as build:
        load(build.url)                      # http://127.0.0.1:<port>
        print(build.ref, build.commit[:12])  # what was measured

The ``[service]`` of the project perfkit runs in is used for every build, so a base that
predates the table still starts, the same way as its head.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from perfkit.builds.checkout import checked_out, repository_root, resolve_commit
from perfkit.builds.config import ServiceConfig
from perfkit.errors import InputError
from perfkit.loadgen.baseline import check_target
from perfkit.serving import serve_process

if TYPE_CHECKING:
    from perfkit.project import Project

_TAIL_LINES = 5  # lines of a failed service's output quoted in the error


@dataclass(frozen=True)
class Build:
    """A build that answers HTTP: its base URL, the ref as named and the commit it is
    (None for a service perfkit did not start), and its process id when perfkit started it."""

    url: str
    ref: str
    commit: str | None = None
    pid: int | None = None

    @property
    def label(self) -> str:
        """How runs name it: ``ref@abcdef123456`` (the ref alone when it is the commit)."""
        if self.commit is None:
            return self.ref
        short = self.commit[:12]
        return short if self.commit.startswith(self.ref) else f"{self.ref}@{short}"


def service_of(project: Project) -> ServiceConfig:
    """The project's ``[service]``; `InputError` saying how to add one when it has none."""
    if project.service is None:
        where = project.config_path or project.root / "perfkit.toml"
        raise InputError(
            f'{where} has no [service] table: add one with command = "... {{port}}" '
            'and ready = "/health" (or give --base-url/--head-url)'
        )
    return project.service


@contextlib.contextmanager
def running_build(
    project: Project, ref: str, *, role: str = "build", env: Mapping[str, str] | None = None
) -> Iterator[Build]:
    """``ref`` of the project's repository, checked out and serving until the block ends.

    ``role`` names it in errors ("the base build main@1a2b3c4d5e6f did not start: ...");
    ``env`` is added to the build's environment (``PERFKIT_PROFILE=true`` from `perfkit ab`),
    the ``[service]`` table's own ``env`` winning. Checked before anything starts: the
    ``[service]`` table, the repository, the ref.
    """
    service = service_of(project)
    repo = repository_root(project.root)
    commit = resolve_commit(repo, ref)
    inside = project.root.resolve().relative_to(repo.resolve())
    with checked_out(repo, commit) as tree:
        folder = service.folder(tree / inside)
        if not folder.is_dir():
            raise InputError(f"{ref}: service.cwd {service.cwd!r} is not a folder there")
        name = f"the {role} {Build('', ref, commit).label}"
        environment = service.environment({**os.environ, **(env or {})})
        with serve_process(
            service.argv(), name=name, ready_path=service.ready, cwd=folder, env=environment,
            timeout_s=service.ready_timeout_s, tail_lines=_TAIL_LINES,
        ) as served:  # fmt: skip
            yield Build(served.url, ref, commit, served.pid)


@contextlib.contextmanager
def given_url(url: str) -> Iterator[Build]:
    """A service someone else runs, as a `Build` (checked to answer first)."""
    yield Build(check_target(url), url)
