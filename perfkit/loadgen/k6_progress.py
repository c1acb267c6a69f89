"""Live progress of a k6 run, read from the points k6 is writing (``--out json``).

k6 runs with ``--quiet`` (its own progress bar would garble ours), so the progress comes
from its output file: every half second the lines completed since the last look are
read, and each ``http_req_duration`` point (outside the warm-up) counts a request, with
its latency for the window's p95 and its ``expected_response`` tag for errors.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson

from perfkit.loadgen.worker import Snapshot

_DURATION = b'"metric":"http_req_duration","type":"Point"'


class PointsFollower:
    """Reads the complete lines appended to k6's JSON output since the previous call."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0

    def snapshot(self) -> Snapshot:
        latencies: list[float] = []
        errors = 0
        for line in self._new_lines():
            if _DURATION not in line:
                continue
            data = orjson.loads(line)["data"]
            tags = data.get("tags") or {}
            if tags.get("perfkit_phase") == "warmup":
                continue
            latencies.append(float(data["value"]))
            errors += tags.get("expected_response") == "false"
        p95 = float(np.percentile(latencies, 95)) if latencies else None
        return Snapshot(worker=0, requests=len(latencies), errors=errors, p95_ms=p95)

    def _new_lines(self) -> list[bytes]:
        try:
            with self._path.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:  # k6 has not opened it yet
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        return complete.splitlines()


def wait_reporting(process: subprocess.Popen[bytes], points: Path,
                   progress: Callable[[Snapshot], None], every_s: float = 0.5) -> int:  # fmt: skip
    """Wait for ``process`` to end, passing what it measured meanwhile to ``progress`` (and,
    once it ended, the rest: the snapshots add up to every measured request)."""
    follower = PointsFollower(points)
    while process.poll() is None:
        time.sleep(every_s)
        progress(follower.snapshot())
    progress(follower.snapshot())
    return process.returncode
