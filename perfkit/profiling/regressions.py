"""The differential profile of each route a comparison calls regressed, when both runs kept one.

`perfkit compare`, `perfkit ab`, `perfkit trends --gate`, notebook 02 and the dashboard
all ask the same question after the verdict: "which code?". This module answers it from
the profiles kept beside the two runs (``<run>.profile.json.gz``, `perfkit.profiling.capture`)
and the comparison, so they print the same line and draw the same flame graph.

A comparison names endpoints as the scenario does (``chat``); a profile names routes as
the service does (``POST /api/chat``, or ``GET /api/users/{id}`` for a templated one).
`route_for` matches an endpoint's method and path to a route, a template's ``{param}``
matching one path segment. Only an outcome of "regressed" is explained: when the testbed
rule says the environment changed, no route is blamed, so none is profiled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from perfkit.errors import InputError
from perfkit.profiling.diff import RouteDiff, diff_route
from perfkit.profiling.flamegraph import diff_flamegraph
from perfkit.profiling.profile import ProfileSet, RouteProfile, profile_path_for

if TYPE_CHECKING:
    from perfkit.analysis.comparison import Comparison
    from perfkit.runs.history import StoredRun
    from perfkit.runs.model import Run

TOP_FRAMES = 10  # frames per route in the JSON: the flame graph has them all
_PARAM = re.compile(r"\\\{[^/]*?\\\}")  # an escaped ``{name}`` or ``{name:type}``


@dataclass(frozen=True)
class RegressedProfile:
    """One regressed endpoint, its route in the profiles, and base vs head per request."""

    endpoint: str
    diff: RouteDiff
    base: RouteProfile
    head: RouteProfile

    @property
    def route(self) -> str:
        return self.diff.route

    def summary(self) -> str:
        """``work: GET /work +3.02 ms CPU per request, 2.96 ms of it in `app.checksum```
        (the endpoint as the comparison names it, then the route as the service does)."""
        return f"{self.endpoint}: {self.diff.summary()}"

    def svg(self) -> str:
        """The self-contained differential flame graph of the route."""
        return diff_flamegraph(self.diff, self.base, self.head)

    def to_dict(self) -> dict[str, object]:
        """The route's difference with its `TOP_FRAMES` largest gains (the summary and the
        top frame are those of every frame)."""
        top = self.diff.top
        shown = replace(self.diff, frames=self.diff.frames[:TOP_FRAMES]).to_dict()
        return {"endpoint": self.endpoint, **shown, "summary": self.summary(),
                "top_frame": None if top is None else top.frame}  # fmt: skip


@dataclass
class ProfileFindings:
    """What the kept profiles say about a comparison's regressed routes; ``notes`` say why
    a regressed route has no line (a profile unreadable, a route the profiles lack)."""

    routes: list[RegressedProfile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The lines printed after the verdict: ``profile: <summary>``."""
        return [f"profile: {r.summary()}" for r in self.routes]

    def to_list(self) -> list[dict[str, object]]:
        return [r.to_dict() for r in self.routes]


def _pattern(route_path: str) -> re.Pattern[str]:
    return re.compile(_PARAM.sub("[^/]+", re.escape(route_path)) + "/?")


def route_for(method: str, path: str, routes: Iterable[str]) -> str | None:
    """The route of ``routes`` (``METHOD /template``) that serves ``method path``: the
    literal one when it exists, else the matching template with fewest parameters."""
    path = path.split("?", 1)[0] or "/"
    matches: list[tuple[int, str]] = []
    for route in routes:
        verb, _, template = route.partition(" ")
        if verb.upper() != method.upper() or not template.startswith("/"):
            continue
        if template == path:
            return route
        if _pattern(template).fullmatch(path):
            matches.append((template.count("{"), route))
    return min(matches)[1] if matches else None


def kept_profile(run_json: Path) -> ProfileSet | None:
    """The profile kept beside ``run_json``, or None when there is none."""
    path = profile_path_for(run_json)
    return ProfileSet.read(path) if path.is_file() else None


def regressed_routes(comparison: Comparison) -> list[str]:
    """The endpoints (not ``overall``) a regressed comparison blames, in its order."""
    if comparison.outcome != "regressed":
        return []
    return [e.endpoint for e in comparison.endpoints if e.verdict == "regressed"]


def explain(comparison: Comparison, base: Run, head: Run, base_profile: ProfileSet,
            head_profile: ProfileSet) -> ProfileFindings:  # fmt: skip
    """The differential profile of every regressed endpoint found in both profiles."""
    found = ProfileFindings()
    endpoints = {e.name: e for e in head.endpoints}
    for name in regressed_routes(comparison):
        ep = endpoints.get(name)
        route = None if ep is None else route_for(ep.method, ep.path, head_profile.routes)
        b = None if route is None else base_profile.routes.get(route)
        h = None if route is None else head_profile.routes.get(route)
        if route is None or b is None or h is None or not b.requests or not h.requests:
            where = "" if ep is None else f" ({ep.method} {ep.path})"
            found.notes.append(f"no route of both profiles serves {name}{where}")
            continue
        found.routes.append(RegressedProfile(name, diff_route(route, b, h), b, h))
    return found


def profile_findings(comparison: Comparison, base: StoredRun, head: StoredRun) -> ProfileFindings:
    """`explain` from the profiles kept beside two stored runs (``base``: the compared run,
    or for the history gate the newest earlier one with a profile); nothing when the
    comparison blames no route or either run has no profile (a profile that cannot be read
    is a note, never a failure: the verdict stands without it)."""
    if not regressed_routes(comparison) or head.run.run_id != comparison.candidate_id:
        return ProfileFindings()  # (a verdict confirmed on runs of its own is not head's)
    try:
        profiles = kept_profile(base.path), kept_profile(head.path)
    except InputError as exc:
        return ProfileFindings(notes=[str(exc)])
    if profiles[0] is None or profiles[1] is None:
        return ProfileFindings()
    return explain(comparison, base.run, head.run, profiles[0], profiles[1])
