"""Which route a request belongs to: its template, never its raw path.

With Starlette (or FastAPI) the router records the matched route object in the scope
(``scope["route"]``, the same dict the middleware passed down), so after the request the
template is read from it: ``/api/users/{id}`` for ``/api/users/42``. Routes inside
`Mount`s are found by walking the route tree once and remembering every route's full
template (``/v1`` + ``/users/{id}``). A request the router saw but no route matched is
``(unmatched)``. Plain ASGI apps have no router: their paths are normalised (numbers,
UUIDs, hex and long segments become ``{id}``, depth is capped); the monitor's cap on the
number of routes bounds what is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.routing import Mount
from starlette.types import Scope

UNMATCHED = "(unmatched)"
OVERFLOW = "(overflow)"
OTHER_METHOD = "OTHER"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
MAX_FALLBACK_SEGMENTS = 6
_CACHE_LIMIT = 10_000
_ID_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{8,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
_PLAIN_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]{1,32}$")


def normalise_method(method: str) -> str:
    """Known HTTP methods as they are; anything a client invents is ``OTHER``."""
    return method if method in KNOWN_METHODS else OTHER_METHOD


def fallback_template(path: str) -> str:
    """A template guessed from a raw path, for apps without a router."""
    segments = [s for s in path.split("/") if s]
    out: list[str] = []
    for segment in segments[:MAX_FALLBACK_SEGMENTS]:
        if _ID_SEGMENT.match(segment) or not _PLAIN_SEGMENT.match(segment):
            out.append("{id}")
        else:
            out.append(segment)
    if len(segments) > MAX_FALLBACK_SEGMENTS:
        out.append("{rest}")
    return "/" + "/".join(out)


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[Any, str]]:
    for route in routes:
        if isinstance(route, Mount):
            mount_prefix = prefix + route.path_format.removesuffix("/{path}")
            yield route, prefix + route.path_format
            yield from _walk(route.routes, mount_prefix)
        elif hasattr(route, "routes"):  # Host and similar: no path of their own
            yield from _walk(route.routes, prefix)
        else:
            template = getattr(route, "path_format", None) or getattr(route, "path", None)
            if isinstance(template, str):
                yield route, prefix + template


class RouteResolver:
    """Finds the template of a finished request; remembers templates per route object."""

    def __init__(self) -> None:
        self._templates: dict[int, tuple[Any, str]] = {}

    def template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return UNMATCHED if "router" in scope else fallback_template(scope.get("path", "/"))
        known = self._templates.get(id(route))
        if known is not None and known[0] is route:
            return known[1]
        return self._learn(scope, route)

    def _learn(self, scope: Scope, route: Any) -> str:
        router = scope.get("router")
        if len(self._templates) >= _CACHE_LIMIT:
            self._templates.clear()
        for found, template in _walk(getattr(router, "routes", ()), ""):
            self._templates[id(found)] = (found, template)
        known = self._templates.get(id(route))
        if known is not None and known[0] is route:
            return known[1]
        # A route the tree walk cannot reach (e.g. behind a non-Starlette wrapper).
        fallback = getattr(route, "path_format", None)
        return fallback if isinstance(fallback, str) else UNMATCHED
