"""Profiles recorded during a run, per route, and what changed between two of them.

Runtime side (imported by the service, standard library only): `sampler` (the
sampler the measurement middleware switches on) and `profile` (the per-route profile,
its JSON file format). Analysis side: `capture` (fetch a running service's profile and
keep it beside the run), `diff` (per-frame difference per request), `flamegraph` (the
self-contained SVG differential flame graph).
"""

from perfkit.profiling.profile import PROFILE_PATH, ProfileSet, RouteProfile
from perfkit.profiling.sampler import ProfilerConfig, RouteSampler

__all__ = ["PROFILE_PATH", "ProfileSet", "ProfilerConfig", "RouteProfile", "RouteSampler"]
