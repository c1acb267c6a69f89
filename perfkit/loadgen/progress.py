"""Live progress of a run: a rich progress bar on a terminal, nothing in CI or notebooks."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from perfkit.loadgen.worker import Snapshot


def wants_live_progress(console: Console) -> bool:
    return console.is_terminal and not console.is_jupyter and not os.environ.get("CI")


class LiveProgress:
    """Feed it worker snapshots (`__call__`); shows requests/s, p95 and errors."""

    def __init__(self, total: float, by_requests: bool, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._enabled = wants_live_progress(self._console)
        self._by_requests = by_requests
        self._lock = threading.Lock()
        self._recent: deque[tuple[float, int]] = deque()
        self._p95: dict[int, float | None] = {}
        self._done = self._errors = 0
        self._start = time.monotonic()
        self._progress = Progress(
            TextColumn("[bold]load"),
            BarColumn(),
            TextColumn(
                "{task.fields[rps]:>7} req/s  p95 {task.fields[p95]:>7} ms  "
                "errors {task.fields[errors]}"
            ),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._task = self._progress.add_task("load", total=total, rps="-", p95="-", errors=0)

    def __enter__(self) -> LiveProgress:
        if self._enabled:
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._enabled:
            self._progress.stop()

    def __call__(self, snapshot: Snapshot) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        with self._lock:
            self._done += snapshot.requests
            self._errors += snapshot.errors
            self._p95[snapshot.worker] = snapshot.p95_ms
            self._recent.append((now, snapshot.requests))
            while self._recent and now - self._recent[0][0] > 2.0:
                self._recent.popleft()
            span = max(now - self._recent[0][0], 0.5) if len(self._recent) > 1 else 0.5
            rps = sum(n for _, n in self._recent) / span
            p95s = [p for p in self._p95.values() if p is not None]
            self._progress.update(
                self._task,
                completed=self._done if self._by_requests else now - self._start,
                rps=f"{rps:,.0f}",
                p95=f"{max(p95s):.1f}" if p95s else "-",
                errors=self._errors,
            )
