"""Kept duets judged again as other duet designs would have judged them, without loading.

`perfkit bench verdicts --keep` keeps every duet with its samples (each sample knows its
time block); from those, two other designs of `perfkit ab` can be judged on the very same
requests:

- `recut`: the same duet cut into ``split`` times as many blocks (40 s in 20 blocks of
  2 s instead of 10 of 4 s). The paired test's degrees of freedom grow with the blocks,
  and the first step of Holm over 66 tests at 1 % needs a t of 6.2 with 9 degrees of freedom but
  4.7 with 19: more, shorter blocks can see smaller changes in the same measuring time,
  as long as each block still holds enough requests of every endpoint.
- `joined`: two duets of the same pair of builds as one (a second duet, as a gate that
  measures again before it decides would record it): their blocks side by side.

Per-block figures are computed from the samples (p50/p95/p99 as the smallest sample with
at least that share at or below it, the mean, requests per second), the same way for both
builds, so base and head stay comparable; they differ slightly from a recorded run's
HDR-histogram figures.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from perfkit.analysis.adapt import read_run_samples, run_data
from perfkit.analysis.data import EndpointData, RunData
from perfkit.bench.verdicts_duet import ROLES, condition
from perfkit.errors import InputError
from perfkit.runs.history import History, StoredRun


def _figures(latency: np.ndarray, answered: np.ndarray, seconds: float) -> dict[str, float]:
    ok = latency[answered]
    if ok.size == 0:
        return {"throughput": latency.size / seconds}
    q = {k: float(np.percentile(ok, p, method="inverted_cdf"))
         for k, p in (("p50", 50), ("p95", 95), ("p99", 99))}  # fmt: skip
    return {**q, "mean": float(ok.mean()), "throughput": latency.size / seconds}


def recut(stored: StoredRun, split: int) -> RunData:
    """The stored duet's run with each of its time blocks cut into ``split`` equal ones."""
    samples = read_run_samples(stored.run, stored.path)
    trials = stored.run.trials
    if samples is None or not trials or split < 1:
        raise InputError(f"{stored.path} holds no samples with time blocks to cut again")
    data = run_data(stored.run, samples)
    block_s = (trials[0].finished_at - trials[0].started_at).total_seconds()
    sub_s = block_s / split
    col = {n: np.asarray(samples.column(n).to_numpy(zero_copy_only=False))
           for n in ("trial", "t_start", "latency_ms", "endpoint", "status")}  # fmt: skip
    cut = col["trial"].astype(np.int64) * split + np.clip(
        (np.mod(col["t_start"].astype(np.float64), block_s) // sub_s).astype(np.int64),
        0,
        split - 1,
    )
    count = len(trials) * split
    starts = tuple(
        t.started_at + timedelta(seconds=k * sub_s) for t in trials for k in range(split)
    )

    def values(mask: np.ndarray) -> dict[str, tuple[float, ...]]:
        per = []
        for b in range(count):
            rows = mask & (cut == b)
            per.append(_figures(col["latency_ms"][rows].astype(np.float64),
                                col["status"][rows] > 0, sub_s))  # fmt: skip
        keys = [k for k in per[0] if all(k in f for f in per)] if per else []
        return {k: tuple(f[k] for f in per) for k in keys}

    def again(ep: EndpointData, mask: np.ndarray) -> EndpointData:
        return replace(ep, trials=values(mask))

    everything = np.ones(col["trial"].size, dtype=bool)
    endpoints = {n: again(ep, col["endpoint"] == n) for n, ep in data.endpoints.items()}
    return replace(data, endpoints=endpoints, overall=again(data.overall, everything),
                   trial_starts=starts)  # fmt: skip


def _join_endpoint(a: EndpointData, b: EndpointData) -> EndpointData:
    def cat(x: np.ndarray | None, y: np.ndarray | None) -> np.ndarray | None:
        return None if x is None or y is None else np.concatenate([x, y])

    trials = {k: (*a.trials[k], *b.trials[k]) for k in a.trials if k in b.trials}
    return replace(
        a, count=a.count + b.count, errors=a.errors + b.errors,
        duration_s=a.duration_s + b.duration_s, latencies_ms=cat(a.latencies_ms, b.latencies_ms),
        failed=cat(a.failed, b.failed), offsets_s=None, latency_times_s=None, histogram=None,
        trials=trials,
    )  # fmt: skip


def joined(first: RunData, second: RunData, session: str) -> RunData:
    """``first`` and ``second`` (two duets' runs of one build) as one run of ``session``."""
    names = [n for n in first.endpoints if n in second.endpoints]
    return replace(
        first,
        endpoints={n: _join_endpoint(first.endpoints[n], second.endpoints[n]) for n in names},
        overall=_join_endpoint(first.overall, second.overall),
        trial_starts=(*first.trial_starts, *second.trial_starts),
        session=session,
    )


def stored_pairs(keep: Path, size: float | None) -> list[tuple[StoredRun, StoredRun]]:
    """The duets kept for one condition, each (base, head), oldest first."""
    found: dict[str, dict[str, StoredRun]] = {}
    for role in ROLES:
        for stored in History(keep / "duet" / condition(size) / role).runs():
            found.setdefault(str(stored.run.session), {})[role] = stored
    pairs = [(p["base"], p["head"]) for p in found.values() if len(p) == 2]
    return sorted(pairs, key=lambda pair: pair[0].run.started_at)
