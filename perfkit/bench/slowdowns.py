"""The waits of a calibration's slowed instances, kept at +size of the base's measured p50.

`perfkit.bench.injected_delay` makes an instance wait before the slowed endpoint's
answers; `Slowdowns` sets each slowed instance's wait to its size times that endpoint's
p50 on the base build, as the load generator measured it in the latest recording (a short
probe of the base before the first), and sets it again after every recording: the load
of a shared machine drifts, and a wait fixed at the start would drift away from +size.

On a loaded machine a wait need not show up in full, or may show up more than in full,
in the latency measured (in a duet both builds get each request at the same moment and
share the cores; a wait shifts when the slowed build's work meets its neighbours').
Measured on 2 cores at load 10-15 (2026-12-04): first waits of 20 % of chat's p50 moved
it by +11.7..+24.6 %. So the wait is also scaled by the share of the injected wait the
earlier recordings realised (realised change / injected share, the median of the last
`WINDOW`, clamped to `EFFICIENCY`): a recording's slowdown is set from what was measured
before it, never from its own measurement, and its realised change is reported beside its
verdict.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from perfkit.analysis.adapt import run_data
from perfkit.analysis.data import RunData
from perfkit.bench.injected_delay import set_delay
from perfkit.loadgen.baseline import RunPlan, interleave

WINDOW = 5
EFFICIENCY = (0.25, 2.0)


@dataclass
class Slowdowns:
    """Each slowdown's instance (size -> URL), its current wait in ms and the shares of
    its injected wait the recordings realised."""

    endpoint: str
    urls: dict[float, str]
    waits_ms: dict[float, float] = field(default_factory=dict)
    efficiency: dict[float, list[float]] = field(default_factory=dict)

    def retune(self, base: RunData, realised: Mapping[float, float | None] = {}) -> None:
        """Learn from the ``realised`` change of each size in the recording whose base run
        is ``base``, then set each wait to size x ``base``'s p50 of the slowed endpoint /
        the realised share (waits kept when the p50 is unmeasured)."""
        found = base.endpoints.get(self.endpoint)
        p50 = found.value("p50") if found is not None else math.nan
        if not (math.isfinite(p50) and p50 > 0):
            return
        for size, change in realised.items():
            injected = self.waits_ms.get(size, 0.0) / p50
            if change is not None and injected > 0:
                low, high = EFFICIENCY
                self.efficiency.setdefault(size, []).append(min(max(change / injected, low), high))
        for size, url in self.urls.items():
            shares = self.efficiency.get(size, [])[-WINDOW:]
            wait = size * p50 / (statistics.median(shares) if shares else 1.0)
            set_delay(url, wait)
            self.waits_ms[size] = wait

    def probe(self, plan: RunPlan, base_url: str, label: str) -> RunData:
        """Record the base alone (``plan``'s trials) and set the waits from it."""
        ((run, samples),) = interleave(plan, [base_url], label)
        data = run_data(run, samples)
        self.retune(data)
        return data

    def wait(self, size: float | None) -> float | None:
        return None if size is None else self.waits_ms.get(size)
