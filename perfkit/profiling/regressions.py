"""The profile line of each regressed endpoint of a comparison: which code it came from.

A comparison names endpoints as the scenario does (``work``, requested as ``GET
/work/7``); a profile names the routes that served them by method and template (``GET
/work/{n}``). An endpoint's route is the template of both profiles that its request
matches (the most specific one when several do: ``/users/me`` before ``/users/{id}``).
Its line is `perfkit.profiling.diff.RouteDiff.summary`: "GET /work/{n} +2.13 ms CPU per
request, 1.95 ms of it in `app.slow_function`". None when a run has no kept profile or
the route is not in both: nothing was sampled to name the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from perfkit.analysis.comparison import Comparison
from perfkit.profiling.diff import RouteDiff, diff_route
from perfkit.profiling.profile import ProfileSet, profile_path_for

_PARAMETER = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class EndpointProfile:
    """A regressed endpoint, its regressed metrics, and its route's profile difference."""

    endpoint: str
    metrics: list[str]
    route: str | None  # the profiles' name of it; None when no profile route matches
    diff: RouteDiff | None

    @property
    def line(self) -> str | None:
        return None if self.diff is None else self.diff.summary()


def kept_profile(run_json: Path) -> ProfileSet | None:
    """The profile kept beside a run's JSON (``<stem>.profile.json.gz``), or None."""
    path = profile_path_for(run_json)
    return ProfileSet.read(path) if path.is_file() else None


def _pattern(template: str) -> re.Pattern[str]:
    """``/work/{n}`` -> a regular expression of the paths it serves (one segment each)."""
    literal = _PARAMETER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in literal) + "/?")


def route_of(method: str, path: str, routes: Iterable[str]) -> str | None:
    """The route (``METHOD template``) among ``routes`` that served ``method path``; the
    query string is not part of a route."""
    bare = path.split("?", 1)[0].split("#", 1)[0] or "/"
    found = []
    for route in routes:
        verb, _, template = route.partition(" ")
        if verb == method.upper() and _pattern(template).fullmatch(bare):
            found.append(route)
    # the most specific: the fewest parameters, then the longest literal text
    return min(found, key=lambda r: (len(_PARAMETER.findall(r)), -len(r)), default=None)


def regression_profiles(
    result: Comparison,
    requests: Mapping[str, tuple[str, str]],
    base: ProfileSet | None,
    head: ProfileSet | None,
) -> list[EndpointProfile]:
    """Per endpoint whose metrics regressed (``overall`` is no route), its profile
    difference; ``requests`` maps an endpoint to the (method, path) it requested."""
    shared = [] if base is None or head is None else sorted(set(base.routes) & set(head.routes))
    found = []
    for ep in result.endpoints:
        if ep.verdict != "regressed":
            continue
        metrics = [name for name, m in ep.metrics.items() if m.verdict == "regressed"]
        request = requests.get(ep.endpoint)
        route = None if request is None else route_of(*request, shared)
        diff = None
        if route is not None and base is not None and head is not None:
            a, b = base.routes[route], head.routes[route]
            diff = diff_route(route, a, b) if a.requests and b.requests else None
        found.append(EndpointProfile(ep.endpoint, metrics, route, diff))
    return found
