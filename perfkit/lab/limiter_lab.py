"""The limiter's accuracy against its configured limits, on a service that enforces them.

One small policy per algorithm (``limit`` requests per ``window`` seconds, each on an
endpoint of its own), all driven at ``overload`` times their rate at once for
``duration`` seconds. After the first window (the allowance a fresh caller starts with),
a correct limiter admits exactly ``limit`` per window; `accuracy` measures that
steady-state rate, and checks the total against the most each algorithm may admit.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from perfkit.errors import InputError
from perfkit.lab.pacer import Request, send_paced
from perfkit.lab.service import LabService, lab_service

#: algorithm -> the endpoint its policy covers (distinct prefixes, so one policy each)
ALGORITHM_PATHS = {
    "gcra": "/api/spotify/me",
    "sliding_window": "/api/recommendations",
    "fixed_window": "/api/spotify/audio-features",
}
_QUERIES = {"/api/recommendations": "?seed=lab&limit=5", "/api/spotify/audio-features": "?ids=a1"}


@dataclass(frozen=True)
class LabPolicy:
    limit: int = 10
    window: float = 1.0

    def toml(self) -> str:
        return "".join(
            f"[limits.lab-{algorithm.replace('_', '-')}]\n"
            f"limit = {self.limit}\nwindow = {self.window}\n"
            f'algorithm = "{algorithm}"\nprefixes = ["{path}"]\n\n'
            for algorithm, path in ALGORITHM_PATHS.items()
        )


@contextlib.contextmanager
def enforcing_service(policy: LabPolicy) -> Iterator[LabService]:
    """The reference service enforcing only the lab's policies (no shadow mode)."""
    if policy.limit < 1 or not policy.window > 0:
        raise InputError(f"lab policy needs limit >= 1 and window > 0 (got {policy})")
    with tempfile.TemporaryDirectory(prefix="perfkit-lab-") as folder:
        path = Path(folder) / "policies.toml"
        path.write_text(policy.toml(), encoding="utf-8")
        env = {"PERFKIT_RATELIMIT_POLICIES": str(path), "PERFKIT_RATELIMIT_SHADOW": "false"}
        with lab_service(env) as service:
            yield service


def drive(service: LabService, policy: LabPolicy, *, overload: float = 3.0,
          duration: float = 4.0) -> pd.DataFrame:  # fmt: skip
    """Send every policy's endpoint ``overload`` times its rate; one row per request."""
    if not overload > 1:
        raise InputError(f"overload must be > 1 to reach the limit (got {overload:g})")
    mix = [
        Request(algorithm, path + _QUERIES.get(path, ""), headers={"x-user-id": "lab"})
        for algorithm, path in ALGORITHM_PATHS.items()
    ]
    rate = overload * policy.limit / policy.window * len(mix)
    return send_paced(service.url, mix, rate=rate, duration=duration)


def max_admitted(algorithm: str, policy: LabPolicy, span: float) -> int:
    """The most a correct limiter of ``algorithm`` admits to one caller in ``span`` s.

    GCRA: its burst (= limit) at once, then one per emission interval; sliding window:
    at most ``limit`` in any window, estimated from two counters, so the first window's
    allowance plus the steady rate; fixed window: ``limit`` per window started.
    """
    windows = span / policy.window
    if algorithm == "fixed_window":
        return policy.limit * math.ceil(windows)
    return policy.limit + math.floor(policy.limit * windows)


def _decision_span(requests: pd.DataFrame) -> float:
    """Seconds within which the limiter decided these requests: from the first intended
    send to the last answer. Not the span of the send times: a server that stalls decides
    late, over more of the policy's windows, and may rightly admit more."""
    answered = requests["t_s"] + requests["latency_ms"].fillna(0.0) / 1000.0
    return float(answered.max() - requests["t_s"].min())


def accuracy(samples: pd.DataFrame, policy: LabPolicy, duration: float) -> pd.DataFrame:
    """Per algorithm: admitted (200) and refused (429) counts, other statuses, the steady
    admitted rate against the configured one, and the total against `max_admitted`."""
    rows: list[dict[str, Any]] = []
    whole = math.floor(duration / policy.window)
    for algorithm in ALGORITHM_PATHS:
        mine = samples[samples["request"] == algorithm]
        admitted = mine[mine["status"] == 200]
        t = admitted["t_s"] - mine["t_s"].min()
        steady = t[(t >= policy.window) & (t < whole * policy.window)]
        per_window = len(steady) / (whole - 1) if whole > 1 else math.nan
        bound = max_admitted(algorithm, policy, _decision_span(mine))
        rows.append(
            {
                "algorithm": algorithm,
                "configured": f"{policy.limit}/{policy.window:g}s",
                "sent": len(mine),
                "admitted": len(admitted),
                "refused (429)": int((mine["status"] == 429).sum()),
                "other": int((~mine["status"].isin([200, 429])).sum()),
                "steady admitted per window": round(per_window, 2),
                "accuracy %": round(100 * per_window / policy.limit, 1),
                "max allowed": bound,
                "over-admitted": max(0, len(admitted) - bound),
            }
        )
    return pd.DataFrame(rows).set_index("algorithm")


def admitted_over_time(samples: pd.DataFrame, bucket: float = 0.25) -> pd.DataFrame:
    """Cumulative admitted requests per algorithm in ``bucket``-second steps (for a chart)."""
    admitted = samples[samples["status"] == 200].copy()
    admitted["bucket"] = (admitted["t_s"] // bucket + 1) * bucket
    counts = admitted.pivot_table(index="bucket", columns="request", values="status",
                                  aggfunc="count", fill_value=0)  # fmt: skip
    return counts.cumsum()
