"""The slow-request log: JSON lines, size-bounded rotation, written off the hot path.

The middleware only serialises the entry and puts it on a queue; a
`logging.handlers.QueueListener` thread writes the line through a `RotatingFileHandler`,
so a slow disk never slows a request. No global `logging` logger is involved: two monitors in
one process (tests, several apps) keep separate files.
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
from pathlib import Path
from typing import Any

import orjson

from perfkit.errors import ConfigError


class SlowRequestLog:
    """``write(entry)`` appends one JSON line to ``path`` (rotated at ``max_bytes``)."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        self._queue: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
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
        self._listener = logging.handlers.QueueListener(self._queue, handler)
        self._listener.start()

    def write(self, entry: dict[str, Any]) -> None:
        """Queue one entry; the writer thread appends it. Starts the writer on first use."""
        if self._listener is None:
            self.start()
        line = orjson.dumps(entry).decode()
        self._queue.put(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))

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
