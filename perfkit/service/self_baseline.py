"""The self-baseline's own process: ``python -m perfkit.service.self_baseline --url ...``.

Started by `BaselineJobs` (never by hand): it loads the service at ``--url`` with the
default scenario, every request carrying the run's secret (from ``$PERFKIT_SELF_BASELINE_SECRET``)
so the limiter lets it through uncounted, writes the run's artifacts, and prints
``{"run_id", "json", "summary"}`` on stdout. A failure is one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import orjson

from perfkit.errors import PerfkitError
from perfkit.loadgen.baseline import RunPlan, run_and_write
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import default_scenario_path, load_scenario
from perfkit.service.baseline_job import SECRET_ENV, SELF_BASELINE_HEADER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="perfkit.service.self_baseline")
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        load = LoadConfig(duration_s=args.duration, concurrency=args.concurrency, warmup_s=0.5)
        plan = RunPlan(
            scenario=load_scenario(default_scenario_path()),
            load=load,
            target_url=args.url,
            options=HttpOptions(
                headers={SELF_BASELINE_HEADER: os.environ[SECRET_ENV]}, timeout_s=load.timeout_s
            ),
        )
        paths = run_and_write(plan, args.out)
    except PerfkitError as exc:
        print(f"self-baseline: {exc}", file=sys.stderr)
        return 2
    except KeyError:
        print(f"self-baseline: ${SECRET_ENV} is not set", file=sys.stderr)
        return 2
    result = {"run_id": paths.run.run_id, "json": str(paths.json), "summary": str(paths.summary)}
    sys.stdout.write(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
