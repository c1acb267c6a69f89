"""The slow-request log: JSON lines, size-bounded rotation, written off the hot path.

The middleware only serialises the entry and puts it on a queue; a
`logging.handlers.QueueListener` thread writes the line through a `RotatingFileHandler`,
so a slow disk never slows a request. The queue is bounded (``max_queued`` entries): when
the disk cannot keep up, new entries are dropped and counted (``dropped``), never held in
memory without limit. No global `logging` logger is involved: two monitors in
one process (tests, several apps) keep separate files.
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
from logging import Handler
from pathlib import Path
from typing import Any

import orjson

from perfkit.errors import ConfigError


class _Listener(logging.handlers.QueueListener):
    """Stops on a full bounded queue too (the base class's ``put_nowait`` of its sentinel,
    None, would raise ``queue.Full``): it waits for room, as `stop` waits for the drain."""

    def __init__(self, bounded: queue.Queue[logging.LogRecord | None], handler: Handler) -> None:
        super().__init__(bounded, handler)
        self._bounded = bounded

    def enqueue_sentinel(self) -> None:
        self._bounded.put(None)


class SlowRequestLog:
    """``write(entry)`` appends one JSON line to ``path`` (rotated at ``max_bytes``)."""

    def __init__(self, path: Path, max_bytes: int, backups: int, max_queued: int = 10_000) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self.dropped = 0
        self._queue: queue.Queue[logging.LogRecord | None] = queue.Queue(max_queued)
        self._listener: logging.handlers.QueueListener | None = None
        self._handler: logging.handlers.RotatingFileHandler | None = None

    def start(self) -> None:
        """Open the file (creating its folder) and start the writer thread; idempotent."""
        if self._listener is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                self.path, maxBytes=self.max_bytes, backupCount=self.backups, encoding="utf-8"
            )
        except OSError as exc:
            raise ConfigError(
                f"PERFKIT_SLOW_LOG_PATH={str(self.path)!r} cannot be written: {exc.strerror}"
            ) from None
        handler.setFormatter(logging.Formatter("%(message)s"))
        self._handler = handler
        self._listener = _Listener(self._queue, handler)
        self._listener.start()

    def write(self, entry: dict[str, Any]) -> None:
        """Queue one entry; the writer thread appends it. Starts the writer on first use."""
        if self._listener is None:
            self.start()
        line = orjson.dumps(entry).decode()
        try:
            self._queue.put_nowait(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))
        except queue.Full:
            self.dropped += 1

    def stop(self) -> None:
        """Write what is queued, then close the file; `write` reopens it."""
        if self._listener is None:
            return
        self._listener.stop()
        self._listener = None
        if self._handler is not None:
            self._handler.close()
            self._handler = None

    def files(self) -> list[Path]:
        """The log and its rotated backups that exist now, newest first."""
        names = [self.path] + [Path(f"{self.path}.{i}") for i in range(1, self.backups + 1)]
        return [p for p in names if p.exists()]
