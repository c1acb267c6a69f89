"""Re-record the sample history in data/history: real runs of the reference service.

    .venv/bin/python data/record_history.py     # replaces data/history (90 s when idle)
    .venv/bin/python data/record_history.py --out my-history --duration 5

Five levels, recorded one after the other with the notebooks' default load (closed
model, 10 users, 3 s measured after 1 s of warm-up), so a fresh baseline from notebook 1
is comparable with them:

  normal     x4  the reference service as configured by default
  cache-off  x3  PERFKIT_SERVICE_CACHE=false: every Spotify call goes to the upstream
  normal     x3  the cache back on
  slowdown   x3  PERFKIT_CHAT_LATENCY_MS=180 (default 120): a deliberate slowdown of the
                 chat model, the one upstream the cache does not cover
  normal     x3  the slowdown fixed

(PERFKIT_UPSTREAM_LATENCY_MS, the Spotify upstream, would hardly show with the cache on:
the scenario asks for the same few keys, so only the first request of each misses.)

Each run starts the reference service on a fresh embedded Redis with those settings.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from perfkit.reports.recording import BaselineSpec, record_baseline

LEVELS: list[tuple[str, int, dict[str, str]]] = [
    ("normal", 4, {}),
    ("cache-off", 3, {"PERFKIT_SERVICE_CACHE": "false"}),
    ("normal", 3, {}),
    ("slowdown", 3, {"PERFKIT_CHAT_LATENCY_MS": "180"}),
    ("normal", 3, {}),
]
_VARIABLES = {name for _, _, env in LEVELS for name in env}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "history")
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    spec = BaselineSpec(duration=args.duration)
    for level, count, env in LEVELS:
        for i in range(count):
            for name in _VARIABLES:
                os.environ.pop(name, None)
            os.environ.update(env)
            written = record_baseline(spec, args.out)
            run = written.run
            print(f"{level} {i + 1}/{count}: {written.json.name} {run.overall.count} requests, "
                  f"p50 {run.overall.latency.p50_ms:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
