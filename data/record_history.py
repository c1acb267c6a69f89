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
The script writes data/history/README.md: which run belongs to which level, and what each
change between neighbours should be called (tests/analysis/test_story.py holds
`perfkit compare` and notebook 02 to that story).
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
#: the endpoints whose latency a level changes against "normal"
AFFECTS: dict[str, tuple[str, ...]] = {
    "normal": (),
    "cache-off": ("spotify-me", "audio-features", "recommendations"),
    "slowdown": ("chat",),
}
_VARIABLES = {name for _, _, env in LEVELS for name in env}


def levels() -> list[str]:
    """The level of each run of the history, oldest first."""
    return [level for level, count, _ in LEVELS for _ in range(count)]


def write_story(out: Path, names: list[str]) -> None:
    """data/history/README.md: each run's level and what changed from its predecessor."""
    settings = {level: ", ".join(f"{k}={v}" for k, v in env.items()) or "defaults"
                for level, _, env in LEVELS}  # fmt: skip
    lines = [
        "# The sample history",
        "",
        "Real runs of the reference service recorded by `data/record_history.py`, oldest",
        "first. Neighbours of one level are unchanged builds: `perfkit compare` calls them",
        "unchanged. Where the level changes the change is real, and the verdict names the",
        "endpoints it moved (tests/analysis/test_story.py checks both, on the CLI and in",
        "notebook 02).",
        "",
        "| run | level | settings | change from the previous run |",
        "|---|---|---|---|",
    ]
    previous = None
    for name, level in zip(names, levels(), strict=True):
        if previous is None:
            change = "(first run)"
        elif previous == level:
            change = "nothing"
        else:
            change = f"{previous} -> {level}: {', '.join(AFFECTS[level] or AFFECTS[previous])}"
        lines.append(f"| {name} | {level} | {settings[level]} | {change} |")
        previous = level
    (out / "README.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "history")
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    spec = BaselineSpec(duration=args.duration)
    names: list[str] = []
    for level, count, env in LEVELS:
        for i in range(count):
            for name in _VARIABLES:
                os.environ.pop(name, None)
            os.environ.update(env)
            written = record_baseline(spec, args.out)
            names.append(written.json.name)
            run = written.run
            print(f"{level} {i + 1}/{count}: {written.json.name} {run.overall.count} requests, "
                  f"p50 {run.overall.latency.p50_ms:.1f} ms")  # fmt: skip

    write_story(args.out, names)


if __name__ == "__main__":
    main()
