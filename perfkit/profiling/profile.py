"""A sampled profile per route as collapsed stacks, and its file format (schema version 1).

The file, ``<run stem>.profile.json.gz`` beside the run's JSON (gzip: frame names repeat
in every stack, so it shrinks ~20 times; not ``*.json``, so the history never mistakes it
for a run)::

    {"schema_version": 1, "kind": "perfkit-profile",
     "interval_ms": 4.0,              # asked-for time between two samples
     "samples": 2500,                 # samples taken
     "unattributed_us": 1200,         # CPU µs sampled outside any measured request
     "routes": {"POST /api/chat": {"requests": 812, "cpu_us": 1650000, "stacks": {
         "perfkit.measure.middleware.PerformanceMiddleware._http;...;app.routes.chat": 41}}}}

A stack is the collapsed-stack format of Brendan Gregg's ``stackcollapse`` tools: frames
from the outermost (next to the middleware) to the innermost, joined by ``;``, each
``module.qualname``; its figure is the number of samples that caught it running.
``cpu_us`` is the CPU of the event-loop thread sampled over all of a route's samples, so
``count / samples x cpu_us / 1000 / requests`` is the CPU ms per request spent in a
stack, which is what makes two runs of different lengths comparable.
`ProfileSet.folded` writes the lines ``flamegraph.pl`` and speedscope read (the route as
the first frame).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfkit.errors import InputError

SCHEMA_VERSION = 1
KIND = "perfkit-profile"
PROFILE_PATH = "/_perfkit/profile"  # where the middleware serves the live profile
PROFILE_SUFFIX = ".profile.json.gz"


@dataclass
class RouteProfile:
    """Samples of one route: ``stacks`` maps a collapsed stack to its sample count;
    ``cpu_us`` is the CPU those samples stand for."""

    requests: int = 0
    stacks: dict[str, int] = field(default_factory=dict)
    cpu_us: int = 0

    @property
    def samples(self) -> int:
        return sum(self.stacks.values())

    def ms_per_sample_request(self) -> float:
        """CPU ms per request that one sample stands for."""
        samples = self.samples
        return self.cpu_us / 1000 / samples / self.requests if samples and self.requests else 0.0

    def merge(self, other: RouteProfile) -> None:
        self.requests += other.requests
        self.cpu_us += other.cpu_us
        for stack, count in other.stacks.items():
            self.stacks[stack] = self.stacks.get(stack, 0) + count


@dataclass
class ProfileSet:
    """The profiles of every route of one run (or one trial, or one process)."""

    interval_ms: float
    routes: dict[str, RouteProfile] = field(default_factory=dict)
    unattributed_us: int = 0
    samples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "interval_ms": self.interval_ms,
            "samples": self.samples,
            "unattributed_us": self.unattributed_us,
            "routes": {
                name: {
                    "requests": p.requests,
                    "cpu_us": p.cpu_us,
                    "stacks": dict(sorted(p.stacks.items())),
                }
                for name, p in sorted(self.routes.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "profile") -> ProfileSet:
        """Checks the kind and version; `InputError` naming ``source`` when it is wrong."""
        if data.get("kind") != KIND or data.get("schema_version") != SCHEMA_VERSION:
            raise InputError(
                f"{source} is not a perfkit profile of schema version {SCHEMA_VERSION}"
            )
        try:
            routes = {
                str(name): RouteProfile(
                    int(r["requests"]),
                    {str(s): int(c) for s, c in r["stacks"].items()},
                    int(r["cpu_us"]),
                )
                for name, r in data["routes"].items()
            }
            return cls(float(data["interval_ms"]), routes, int(data["unattributed_us"]),
                       int(data["samples"]))  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{source} is malformed: {exc!r}") from None

    def merge(self, other: ProfileSet) -> None:
        """Adds ``other`` (another trial or worker) into this set."""
        self.unattributed_us += other.unattributed_us
        self.samples += other.samples
        for name, profile in other.routes.items():
            self.routes.setdefault(name, RouteProfile()).merge(profile)

    def folded(self) -> str:
        """Collapsed-stack lines for flamegraph.pl / speedscope, the route as root frame."""
        lines = [
            f"{name};{stack} {count}" if stack else f"{name} {count}"
            for name, profile in sorted(self.routes.items())
            for stack, count in sorted(profile.stacks.items())
        ]
        return "\n".join(lines) + ("\n" if lines else "")

    def write(self, path: Path) -> Path:
        """Writes atomically (a temporary file renamed), so a reader never sees half;
        gzipped when the name ends in ``.gz``."""
        body = json.dumps(self.to_dict(), indent=1).encode()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(gzip.compress(body, mtime=0) if path.suffix == ".gz" else body)
        tmp.replace(path)
        return path

    @classmethod
    def read(cls, path: Path) -> ProfileSet:
        try:
            raw = path.read_bytes()
            data = json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
        except (OSError, ValueError, EOFError) as exc:
            raise InputError(f"cannot read the profile {path}: {exc}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path} is not a perfkit profile")
        return cls.from_dict(data, str(path))


def profile_path_for(run_json: Path) -> Path:
    """``reports/performance/baseline-X.json`` -> ``.../baseline-X.profile.json.gz``."""
    return run_json.with_name(run_json.stem + PROFILE_SUFFIX)
