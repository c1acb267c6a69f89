"""What changed between two profiles of one route, per request, frame by frame.

Both profiles are normalised per request (CPU ms sampled / requests), so a head run
twice as long as its base compares fairly. For each frame (``module.qualname``)
``self`` is the time with the frame on top of the stack and ``total`` the time with the
frame anywhere on it (counted once per stack, so recursion does not double it). Pure
functions over `RouteProfile`s: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfkit.errors import InputError
from perfkit.profiling.profile import ProfileSet, RouteProfile


@dataclass(frozen=True)
class FrameDelta:
    frame: str
    base_self_ms: float
    head_self_ms: float
    base_total_ms: float
    head_total_ms: float

    @property
    def self_ms(self) -> float:
        return self.head_self_ms - self.base_self_ms

    @property
    def total_ms(self) -> float:
        return self.head_total_ms - self.base_total_ms


@dataclass(frozen=True)
class RouteDiff:
    """The per-request difference of one route; ``frames`` sorted by total gain, largest first."""

    route: str
    base_ms: float  # sampled CPU ms of the event loop per request
    head_ms: float
    base_requests: int
    head_requests: int
    frames: list[FrameDelta] = field(default_factory=list)

    @property
    def change_ms(self) -> float:
        return self.head_ms - self.base_ms

    @property
    def top(self) -> FrameDelta | None:
        """The most specific frame that holds the change: among the frames whose total
        change is at least 60 % of the largest (in the direction the route moved), and the
        frames new in the head (no base time) holding at least 30 % of it, the one with the
        least base time. The route's outer frames hold the change too, but have more base
        time; a function the head added has none. (Not more than 60 %: the sampled share
        of a 2 ms function in a 4 ms route varies by a few tenths of a ms.)"""
        sign = 1.0 if self.change_ms >= 0 else -1.0
        moved = [f for f in self.frames if f.total_ms * sign > 0]
        if not moved:
            return None
        largest = max(f.total_ms * sign for f in moved)
        near = [
            f
            for f in moved
            if f.total_ms * sign >= 0.6 * largest
            or (f.base_total_ms == 0 and f.total_ms * sign >= 0.3 * largest)
        ]
        return min(near, key=lambda f: (f.base_total_ms, -f.total_ms * sign, f.frame))

    def summary(self) -> str:
        """``chat +2.1 ms per request, 1.9 ms of it in `upstreams.fetch_chat```."""
        line = f"{self.route} {self.change_ms:+.2f} ms CPU per request"
        top = self.top
        if top is None:
            return line
        return f"{line}, {abs(top.total_ms):.2f} ms of it in `{top.frame}`"

    def to_dict(self) -> dict[str, object]:
        return {
            "route": self.route,
            "base_ms_per_request": self.base_ms,
            "head_ms_per_request": self.head_ms,
            "change_ms_per_request": self.change_ms,
            "base_requests": self.base_requests,
            "head_requests": self.head_requests,
            "summary": self.summary(),
            "frames": [
                {"frame": f.frame, "self_ms": f.self_ms, "total_ms": f.total_ms,
                 "base_self_ms": f.base_self_ms, "head_self_ms": f.head_self_ms,
                 "base_total_ms": f.base_total_ms, "head_total_ms": f.head_total_ms}
                for f in self.frames
            ],
        }  # fmt: skip


def per_frame(profile: RouteProfile) -> tuple[dict[str, float], dict[str, float]]:
    """``(self, total)`` ms per request of every frame of ``profile``."""
    scale = profile.ms_per_sample_request()
    own: dict[str, float] = {}
    total: dict[str, float] = {}
    for stack, count in profile.stacks.items():
        frames = stack.split(";") if stack else ["(route itself)"]
        own[frames[-1]] = own.get(frames[-1], 0.0) + count * scale
        for frame in set(frames):
            total[frame] = total.get(frame, 0.0) + count * scale
    return own, total


def diff_route(route: str, base: RouteProfile, head: RouteProfile) -> RouteDiff:
    """Base vs head of one route, per request."""
    if base.requests == 0 or head.requests == 0:
        raise InputError(
            f"no requests of {route} in the {'base' if not base.requests else 'head'} profile"
        )
    base_self, base_total = per_frame(base)
    head_self, head_total = per_frame(head)
    frames = [
        FrameDelta(name, base_self.get(name, 0.0), head_self.get(name, 0.0),
                   base_total.get(name, 0.0), head_total.get(name, 0.0))
        for name in set(base_total) | set(head_total)
    ]  # fmt: skip
    frames.sort(key=lambda f: (-f.total_ms, -f.self_ms, f.frame))
    return RouteDiff(
        route,
        sum(base_self.values()),
        sum(head_self.values()),
        base.requests,
        head.requests,
        frames,
    )


def diff_profiles(
    base: ProfileSet, head: ProfileSet, routes: list[str] | None = None
) -> list[RouteDiff]:
    """Every route both profiles served (or ``routes``), largest gain first."""
    names = routes if routes is not None else sorted(set(base.routes) & set(head.routes))
    missing = [n for n in names if n not in base.routes or n not in head.routes]
    if missing:
        raise InputError(f"route {missing[0]!r} is not in both profiles")
    diffs = [
        diff_route(n, base.routes[n], head.routes[n])
        for n in names
        if base.routes[n].requests and head.routes[n].requests
    ]
    return sorted(diffs, key=lambda d: -d.change_ms)
