"""Where a running `perfkit serve` keeps its embedded Redis: ``.perfkit/serve.json``.

Without ``REDIS_URL``, `perfkit serve` starts a private Redis on a free port. It records
that address (and its own pid) in the project folder while it runs and removes the file
on exit, so `perfkit redis stats|health|clear` run in the same project reach that Redis
instead of starting a throwaway one. A file whose process is gone is ignored.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import orjson

from perfkit.atomic import write_bytes

STATE_FILE = Path(".perfkit") / "serve.json"


@contextlib.contextmanager
def recording_serve(root: Path, redis_url: str) -> Iterator[Path]:
    """Write the state file for the block's duration (removed only if still ours)."""
    path = root / STATE_FILE
    pid = os.getpid()
    write_bytes(path, orjson.dumps({"redis_url": redis_url, "pid": pid}))
    try:
        yield path
    finally:
        with contextlib.suppress(OSError, ValueError):
            if orjson.loads(path.read_bytes()).get("pid") == pid:
                path.unlink()


def running_serve(root: Path) -> tuple[str, int] | None:
    """(Redis URL, pid) of the `perfkit serve` running for ``root``; None without one."""
    try:
        data = orjson.loads((root / STATE_FILE).read_bytes())
        url, pid = str(data["redis_url"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # left behind by a serve that was killed
    except PermissionError:
        pass  # alive, another user's
    return url, pid
