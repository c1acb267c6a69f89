"""EVALSHA batches written straight to a kept pooled connection: the asyncio fast path.

redis-py's asyncio `Pipeline` packs every argument in pure Python and keeps per-command
bookkeeping (options, annotations, observability hooks): measured, that was most of the
limiter's client CPU per decision. A decision's command is always the same shape, so it
is packed here into RESP bytes from precomputed pieces (the EVALSHA header with the
script's SHA, each policy tuple's ARGV encoded once), a batch goes out in one write on a
connection taken from the client's pool once and kept, and the replies are read back in order with
the connection's hiredis reader. Error replies come back as exceptions in the list, as with
``Pipeline.execute(raise_on_error=False)``; connection errors go through the
connection's own `Retry` after a disconnect, as the pipeline does: one retry on a fresh
connection (a batch the server ran before its connection dropped is then counted twice,
which can only refuse early, never admit more), then the limiter's breaker and fallback.
Only for a plain `redis.asyncio.Redis`: a cluster client keeps its pipeline, which
routes each EVALSHA to its slot's node. `SyncConnections` is the same for one command
over a plain sync `redis.Redis` (the sync limiter's per-call path): redis-py's
``execute_command`` and its pool's borrow and return spend more Python per call than
the whole decision logic.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import hiredis
import redis
import redis.asyncio
import redis.exceptions
from redis._parsers.hiredis import NOT_ENOUGH_DATA

Argv = Sequence[str | int]


def _bulk(value: str | int) -> bytes:
    data = str(value).encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


class EvalshaPacker:
    """RESP for ``EVALSHA sha len(keys) *keys *argv``, with ARGV encodings cached by the
    tuple's identity (the core hands out one ARGV tuple per policy combination), and
    whole commands by the identity of the keys list (the core hands out the same `Call`
    for a caller's next request on the same route, see `LimiterCore.call`)."""

    _CACHE_SIZE = 4096
    _COMMANDS = 8192

    def __init__(self, sha: str) -> None:
        self._head = b"$7\r\nEVALSHA\r\n" + _bulk(sha)
        self._argv: dict[int, tuple[Argv, bytes]] = {}
        self._commands: dict[int, tuple[Sequence[str], Argv, bytes]] = {}

    def pack(self, keys: Sequence[str], argv: Argv) -> bytes:
        known = self._commands.get(id(keys))
        if known is not None and known[0] is keys and known[1] is argv:
            return known[2]
        command = self._pack(keys, argv)
        if len(self._commands) >= self._COMMANDS:
            self._commands.clear()
        self._commands[id(keys)] = (keys, argv, command)  # holds keys: its id stays unique
        return command

    def _pack(self, keys: Sequence[str], argv: Argv) -> bytes:
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
    """Whether `AsyncConnections` can serve ``client`` (a single-node asyncio client)."""
    return isinstance(client, redis.asyncio.Redis) and not client.single_connection_client


def supports_sync(client: Any) -> bool:
    """Whether `SyncConnections` can serve ``client`` (a single-node sync client)."""
    return isinstance(client, redis.Redis) and client.connection is None


class SyncConnections:
    """The sync limiter's connections: taken from the client's pool once and kept, not
    borrowed and returned per call. redis-py's pool spends more per borrow than the
    decision itself (two locks, four observability records, an event, and a
    non-blocking read to check the connection is clean). A kept connection is always
    clean: every call reads its reply whole, and redis-py disconnects a connection on any
    error while sending or reading (it reconnects on the next send). One list, popped
    and appended (each one step under the GIL), so threads never share a connection;
    after a fork the child forgets the parent's connections."""

    def __init__(self, client: redis.Redis) -> None:
        self.pool: Any = client.connection_pool
        self._idle: list[Any] = []
        self._pid = os.getpid()

    def call(self, command: bytes) -> Any:
        """Send one packed command and return its reply (an error reply raised as
        `ResponseError`). Raises redis-py's connection errors and `OSError`."""
        if self._pid != os.getpid():
            self._idle, self._pid = [], os.getpid()
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = self.pool.get_connection()
        try:

            def attempt() -> Any:
                conn.send_packed_command([command])
                return conn.read_response()

            def failed(error: BaseException) -> None:
                conn.disconnect()

            return conn.retry.call_with_retry(attempt, failed)
        finally:
            self._idle.append(conn)

    def close(self) -> None:
        """Give every kept connection back to the pool."""
        idle, self._idle = self._idle, []
        for conn in idle:
            self.pool.release(conn)


class AsyncConnections:
    """The asyncio runner's connections, kept like `SyncConnections`: a batch takes one
    from the list (checked first: one the server dropped is reconnected before the
    write) or, when all are busy with other batches, from the pool; it goes back on the list
    after its replies were read, or disconnected after an error. redis-py's asyncio pool
    spends about 10 µs per borrow and return (a lock each, four observability records),
    once per batch: at low concurrency, once per decision. At most `KEEP` are kept: the
    pool is shared with the rest of the service, and redis-py's asyncio pool is bounded
    (100 by default in redis-py 8) and refuses when empty, so after a burst of
    concurrent batches the others go back to it."""

    KEEP = 4

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.pool: Any = client.connection_pool
        self._idle: list[Any] = []

    async def exchange(self, commands: list[bytes]) -> list[Any]:
        """Send packed commands in one write, return their replies in order (error
        replies as `ResponseError` instances). Raises redis-py's connection errors and
        `OSError`."""
        idle = self._idle
        if idle:
            conn = idle.pop()
            if conn.is_connected and await _unusable(conn):
                await conn.disconnect()  # the write below connects afresh
        else:
            conn = await self.pool.get_connection()
        try:

            async def attempt() -> list[Any]:
                return await _roundtrip(conn, commands)

            async def failed(error: BaseException) -> None:
                await conn.disconnect()

            replies: list[Any] = await conn.retry.call_with_retry(attempt, failed)
            return replies
        finally:
            if len(idle) < self.KEEP:
                idle.append(conn)
            else:
                await self.pool.release(conn)

    async def aclose(self) -> None:
        """Give every kept connection back to the pool."""
        idle, self._idle = self._idle, []
        for conn in idle:
            await self.pool.release(conn)


async def _unusable(conn: Any) -> bool:
    """Whether a kept connection has unread data or was closed by the server (redis-py's
    `can_read`: buffers only, no system call; redis-py 5.x has only
    `can_read_destructive`, a non-blocking read). The pool's own check is skipped when
    redis-py's maintenance notifications are on, as they are by default in redis-py 8."""
    check = getattr(conn, "can_read", None) or conn.can_read_destructive
    try:
        return bool(await check())
    except (OSError, redis.exceptions.ConnectionError):
        return True


async def _roundtrip(conn: Any, commands: list[bytes]) -> list[Any]:
    """One write, then every reply under one timeout. Replies are read from the
    connection's parser: ``Connection.read_response`` would arm and cancel a timer per
    reply, which cost more than everything else a decision does. Error replies come back
    as instances (the parser does not raise them). Any failure mid-batch disconnects,
    so a connection is never returned to the pool with replies still unread."""
    await conn.send_packed_command(b"".join(commands))
    parser = conn._parser
    reader = getattr(parser, "_reader", None)
    replies: list[Any] = []
    try:
        async with asyncio.timeout(conn.socket_timeout):
            if isinstance(reader, hiredis.Reader):
                await _read_hiredis(parser, reader, len(commands), replies)
            else:
                for _ in commands:
                    replies.append(await parser.read_response())
    except TimeoutError:
        await conn.disconnect(nowait=True)
        raise redis.exceptions.TimeoutError("Timeout reading rate limit replies") from None
    except OSError as exc:
        await conn.disconnect(nowait=True)
        raise redis.exceptions.ConnectionError(f"Error reading rate limit replies: {exc}") from exc
    except BaseException:
        await conn.disconnect(nowait=True)
        raise
    return replies


async def _read_hiredis(parser: Any, reader: hiredis.Reader, count: int, into: list[Any]) -> None:
    """``count`` replies straight from the connection's hiredis reader, reading the socket
    only when it has no whole reply: a batch's replies usually arrive in one read, so
    this is one await per batch instead of a coroutine per reply."""
    gets = reader.gets
    for _ in range(count):
        reply = gets()
        while reply is NOT_ENOUGH_DATA:
            await parser.read_from_socket()
            reply = gets()
        if isinstance(reply, redis.exceptions.ConnectionError):  # e.g. LOADING
            raise reply
        into.append(reply)
