"""``profile_diff``: which code a comparison's regression came from.

The CPU profiles kept beside two runs (``<run>.profile.json.gz``, written when the service
ran with ``PERFKIT_PROFILE=true``), normalised per request and subtracted frame by frame
(`perfkit.profiling.diff`): per route, the change in CPU per request, the frame that holds
it, the top frames, and on request the differential flame graph as SVG text.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from perfkit.errors import InputError
from perfkit.mcp.context import ServerContext
from perfkit.mcp.locate import catalog_of, find_pair
from perfkit.mcp.tools.history import READ_ONLY, HistoryFolder, RunRef
from perfkit.profiling.diff import diff_profiles
from perfkit.profiling.flamegraph import diff_flamegraph
from perfkit.profiling.profile import ProfileSet, profile_path_for
from perfkit.runs.index import RunEntry


class FrameChange(BaseModel):
    frame: str
    self_ms: float = Field(description="change of the frame's own CPU ms per request")
    total_ms: float = Field(description="change of CPU ms per request with it on the stack")


class RouteProfileDiff(BaseModel):
    route: str
    summary: str
    base_ms_per_request: float
    candidate_ms_per_request: float
    change_ms_per_request: float
    top: list[FrameChange]
    svg: str | None = None


class ProfileDiffResult(BaseModel):
    base: str
    candidate: str
    routes: list[RouteProfileDiff]


def _profile(entry: RunEntry) -> ProfileSet:
    path = profile_path_for(entry.path)
    if not path.is_file():
        raise InputError(
            f"run {entry.run_id} has no profile ({path.name}): record it with the "
            "service started with PERFKIT_PROFILE=true"
        )
    return ProfileSet.read(path)


def register(server: MCPServer, ctx: ServerContext) -> None:
    config, guard = ctx.config, ctx.guard

    @server.tool(name="profile_diff", annotations=READ_ONLY)
    def profile_diff(
        *,
        base: RunRef = "previous",
        candidate: RunRef = "latest",
        route: Annotated[
            str | None, Field(description='one route, e.g. "GET /api/users/{id}" (default: all)')
        ] = None,
        frames: Annotated[int, Field(ge=1, le=100, description="top frames per route")] = 10,
        svg: Annotated[bool, Field(description="include the differential flame graph")] = False,
        history: HistoryFolder = None,
    ) -> ProfileDiffResult:
        """Which functions gained CPU time per request from the base run to the candidate,
        per route, largest change first, from the profiles kept with the runs."""
        with guard.tool():
            pair = find_pair(config, base, candidate, catalog_of(config, history))
            a, b = pair.base, pair.candidate
            pa, pb = _profile(a), _profile(b)
            routes = []
            for diff in diff_profiles(pa, pb, [route] if route else None):
                picture = None
                if svg:
                    picture = diff_flamegraph(diff, pa.routes[diff.route], pb.routes[diff.route])
                routes.append(
                    RouteProfileDiff(
                        route=diff.route, summary=diff.summary(),
                        base_ms_per_request=diff.base_ms, candidate_ms_per_request=diff.head_ms,
                        change_ms_per_request=diff.change_ms,
                        top=[FrameChange(frame=f.frame, self_ms=f.self_ms, total_ms=f.total_ms)
                             for f in diff.frames[:frames]],
                        svg=picture,
                    )
                )  # fmt: skip
            return guard.clean(ProfileDiffResult(base=a.run_id, candidate=b.run_id,
                                                 routes=routes))  # fmt: skip
