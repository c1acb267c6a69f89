"""EVALSHA batches written straight to a pooled connection: the asyncio fast path.

redis-py's asyncio `Pipeline` packs every argument in pure Python and keeps per-command
bookkeeping (options, annotations, observability hooks): measured, that was most of the
limiter's client CPU per decision. A decision's command is always the same shape, so it
is packed here into RESP bytes from precomputed pieces (the EVALSHA header with the
script's SHA, each policy tuple's ARGV encoded once), a batch goes out in one write on a
connection taken from the client's pool, and the replies are read back in order with
`read_response` (hiredis). Error replies come back as exceptions in the list, as with
``Pipeline.execute(raise_on_error=False)``; connection errors are retried by the
connection's own `Retry` (once, for perfkit's clients) after a disconnect, as the
pipeline does. Only for a plain `redis.asyncio.Redis`: a cluster client keeps its
pipeline, which routes each EVALSHA to its slot's node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio
import redis.exceptions

Argv = Sequence[str | int]


def _bulk(value: str | int) -> bytes:
    data = str(value).encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


class EvalshaPacker:
    """RESP for ``EVALSHA sha len(keys) *keys *argv``, with ARGV encodings cached by the
    tuple's identity (the core hands out one ARGV tuple per policy combination)."""

    _CACHE_SIZE = 4096

    def __init__(self, sha: str) -> None:
        self._head = b"$7\r\nEVALSHA\r\n" + _bulk(sha)
        self._argv: dict[int, tuple[Argv, bytes]] = {}

    def pack(self, keys: Sequence[str], argv: Argv) -> bytes:
        cached = self._argv.get(id(argv))
        if cached is not None and cached[0] is argv:
            tail = cached[1]
        else:
            tail = b"".join(map(_bulk, argv))
            if len(self._argv) < self._CACHE_SIZE:
                self._argv[id(argv)] = (argv, tail)
        parts = [b"*%d\r\n" % (3 + len(keys) + len(argv)), self._head, _bulk(len(keys))]
        for key in keys:
            data = key.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        parts.append(tail)
        return b"".join(parts)


def supports(client: Any) -> bool:
    """Whether `exchange` can serve ``client`` (a single-node asyncio client)."""
    return isinstance(client, redis.asyncio.Redis) and not client.single_connection_client


async def exchange(client: redis.asyncio.Redis, commands: list[bytes]) -> list[Any]:
    """Send packed commands in one write, return their replies in order (error replies as
    `ResponseError` instances). Raises redis-py's connection errors and `OSError`."""
    pool: Any = client.connection_pool
    conn: Any = await pool.get_connection()
    try:

        async def attempt() -> list[Any]:
            return await _roundtrip(conn, commands)

        async def failed(error: BaseException) -> None:
            await conn.disconnect()

        replies: list[Any] = await conn.retry.call_with_retry(attempt, failed)
        return replies
    finally:
        await pool.release(conn)


async def _roundtrip(conn: Any, commands: list[bytes]) -> list[Any]:
    await conn.send_packed_command(b"".join(commands))
    replies: list[Any] = []
    for _ in commands:
        try:
            replies.append(await conn.read_response())
        except redis.exceptions.ResponseError as exc:
            replies.append(exc)
    return replies
