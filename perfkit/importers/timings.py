"""Per-request timings from any tool, turned into what a perfkit run holds.

`Timings` collects one row per request (endpoint, wall-clock start, latency, status, error
class, worker) as a tool reported it; `Timings.result` builds the per-endpoint tallies
(HdrHistograms, exact to 3 significant digits, as the runner keeps them) and the samples
table, so a run from k6, Locust or a JMeter file is indistinguishable from one of
perfkit's runner. The measured window runs from the first request's start to the last
request's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from perfkit.loadgen.worker import Samples
from perfkit.runs.histogram import Tally, run_stats
from perfkit.runs.model import EndpointStats, Stats
from perfkit.runs.samples import samples_table


@dataclass(frozen=True)
class EndpointInfo:
    name: str
    method: str
    path: str
    category: str = "api"


@dataclass(frozen=True)
class Measured:
    """The statistics of a set of timings, and the rows of each worker (times in seconds
    since `started_at`)."""

    started_at: datetime
    finished_at: datetime
    overall: Stats
    endpoints: list[EndpointStats]
    samples: list[tuple[int, Samples]]

    def samples_table(self) -> pa.Table:
        return samples_table(self.samples, [e.name for e in self.endpoints])


class Timings:
    """Rows of request timings; endpoints are known up front or added on first sight."""

    def __init__(self, endpoints: Sequence[EndpointInfo] = ()) -> None:
        self.endpoints = list(endpoints)
        self._index = {(e.name, e.method): i for i, e in enumerate(self.endpoints)}
        self._by_name = {e.name: i for i, e in enumerate(self.endpoints)}
        self._rows: dict[int, Samples] = {}
        self._tallies = [Tally() for _ in self.endpoints]

    def __len__(self) -> int:
        return sum(t.count for t in self._tallies)

    def endpoint(self, name: str, method: str = "GET", path: str | None = None) -> int:
        """The index of an endpoint, known by (name, method), by name alone, or new."""
        found = self._index.get((name, method), self._by_name.get(name))
        if found is not None:
            return found
        self.endpoints.append(EndpointInfo(name, method, path or name))
        self._tallies.append(Tally())
        self._index[(name, method)] = self._by_name[name] = len(self.endpoints) - 1
        return len(self.endpoints) - 1

    def record(
        self,
        endpoint: int,
        start_wall: float,
        latency_ms: float,
        status: int,
        error_class: str | None,
        *,
        worker: int = 0,
    ) -> None:
        """One request; `status` 0 means no response (its latency is left out of the
        histogram, as the runner does)."""
        self._tallies[endpoint].record(status, error_class, latency_ms if status else None)
        rows = self._rows.setdefault(worker, Samples())
        rows.t_intended.append(start_wall)
        rows.t_start.append(start_wall)
        rows.latency_ms.append(latency_ms)
        rows.endpoint.append(endpoint)
        rows.status.append(status)
        rows.error_class.append(error_class)

    def window(self) -> tuple[float, float]:
        """(first start, last end) in wall-clock seconds."""
        starts = [min(r.t_start) for r in self._rows.values() if r.t_start]
        ends = [
            max(s + lat / 1000.0 for s, lat in zip(r.t_start, r.latency_ms, strict=True))
            for r in self._rows.values()
            if r.t_start
        ]
        return min(starts), max(ends)

    def result(self) -> Measured:
        start, end = self.window()
        seconds = max(end - start, 1e-9)
        parts = []
        for worker, rows in sorted(self._rows.items()):
            shifted = Samples(
                t_intended=type(rows.t_intended)("d", (t - start for t in rows.t_intended)),
                t_start=type(rows.t_start)("d", (t - start for t in rows.t_start)),
                latency_ms=rows.latency_ms,
                endpoint=rows.endpoint,
                status=rows.status,
                error_class=rows.error_class,
            )
            parts.append((worker, shifted))
        overall, endpoints = run_stats(self.endpoints, self._tallies, seconds)
        return Measured(
            started_at=datetime.fromtimestamp(start, UTC),
            finished_at=datetime.fromtimestamp(end, UTC),
            overall=overall,
            endpoints=endpoints,
            samples=parts,
        )
