"""The decision script in Redis: loaded once from the package's .lua files, called by SHA.

`SyncScriptRunner` makes one EVALSHA per decision. `AsyncScriptRunner` auto-pipelines:
decisions requested by concurrent tasks in the same event-loop turn go to Redis in one
pipeline (one round trip), the way ioredis' auto-pipelining works. Each EVALSHA in the
pipeline still runs atomically on its own, so no decision sees another's half-done work.
Over a single-node client the EVALSHAs are packed and sent by `perfkit.ratelimit.wire`
(much less CPU than redis-py's pipeline); a cluster client keeps redis-py's pipeline.

A NOSCRIPT reply (Redis restarted, failed over, or SCRIPT FLUSH) is answered by sending
the script body once with EVAL, which also caches it on that node: this is how a script
survives a restart without a load step that might reach a different cluster node than
the EVALSHA that needs it. Redis errors leave this module as `RedisUnavailable`.

Any other error of the asyncio path (a redis-py API change, a bug here) is logged and
also becomes `RedisUnavailable`, so the limiter decides by ``on_redis_error``: a decision
is never left waiting on a future that nobody will resolve.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Sequence
from importlib import resources
from typing import Any, cast

import redis
import redis.exceptions

from perfkit.connection import AsyncClient, SyncClient, describe_error
from perfkit.errors import RedisUnavailable
from perfkit.ratelimit import wire

log = logging.getLogger("perfkit.ratelimit")
_PARTS = ("fixed_window.lua", "sliding_window.lua", "gcra.lua", "decide.lua")
Argv = Sequence[str | int]


def script_source() -> str:
    """The decision script: the algorithm files followed by the dispatcher."""
    folder = resources.files("perfkit.ratelimit") / "lua"
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in _PARTS)


def lease_source() -> str:
    """The lease script of lease mode."""
    return (resources.files("perfkit.ratelimit") / "lua" / "lease.lua").read_text("utf-8")


class Script:
    """A Lua body and its SHA1, read once."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source if source is not None else script_source()
        self.sha = hashlib.sha1(self.source.encode(), usedforsecurity=False).hexdigest()


def _unavailable(exc: BaseException) -> RedisUnavailable:
    return RedisUnavailable(f"rate limit script failed: {describe_error(exc)}")


def _unexpected(exc: Exception) -> RedisUnavailable:
    log.error("rate limiter: unexpected error talking to Redis", exc_info=exc)
    return _unavailable(exc)


def _ints(reply: Any) -> list[int]:
    return [int(x) for x in reply]


class SyncScriptRunner:
    """EVALSHA with NOSCRIPT recovery over a sync client."""

    def __init__(self, client: SyncClient, script: Script) -> None:
        self.client = client
        self.script = script
        fast = wire.supports_sync(client)
        self._packer = wire.EvalshaPacker(script.sha) if fast else None
        self._connections = wire.SyncConnections(cast(Any, client)) if fast else None

    def run(self, keys: Sequence[str], argv: Argv) -> list[int]:
        client = cast(Any, self.client)
        packer, connections = self._packer, self._connections
        try:
            try:
                if packer is not None and connections is not None:
                    reply = connections.call(packer.pack(keys, argv))
                else:
                    reply = client.evalsha(self.script.sha, len(keys), *keys, *argv)
            except redis.exceptions.NoScriptError:
                reply = client.eval(self.script.source, len(keys), *keys, *argv)
        except (redis.RedisError, OSError) as exc:
            raise _unavailable(exc) from exc
        return _ints(reply)

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except (redis.RedisError, OSError):
            return False

    def close(self) -> None:
        """Give the kept connections back to the client's pool."""
        if self._connections is not None:
            self._connections.close()


class AsyncScriptRunner:
    """EVALSHA with NOSCRIPT recovery over an asyncio client, auto-pipelined."""

    def __init__(self, client: AsyncClient, script: Script, *, pipelining: bool = True) -> None:
        self.client = client
        self.script = script
        self.pipelining = pipelining
        self._pending: list[tuple[Sequence[str], Argv, asyncio.Future[list[int]]]] = []
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        fast = wire.supports(client)
        self._packer = wire.EvalshaPacker(script.sha) if fast else None
        self._connections = wire.AsyncConnections(cast(Any, client)) if fast else None
        self.batches = 0
        self.batched_calls = 0

    def run(self, keys: Sequence[str], argv: Argv) -> Awaitable[list[int]]:
        """The reply, to await: a future of the next pipeline (not a coroutine wrapping
        one: one frame less to create and resume per decision)."""
        if not self.pipelining:
            return self._one(keys, argv)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[int]] = loop.create_future()
        self._pending.append((keys, argv, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, keys: Sequence[str], argv: Argv) -> list[int]:
        client = cast(Any, self.client)
        try:
            try:
                reply = await self._evalsha(keys, argv)
            except redis.exceptions.NoScriptError:
                reply = await client.eval(self.script.source, len(keys), *keys, *argv)
        except (redis.RedisError, OSError) as exc:
            raise _unavailable(exc) from exc
        except Exception as exc:  # anything else must still end in a decision
            raise _unexpected(exc) from exc
        return _ints(reply)

    async def _evalsha(self, keys: Sequence[str], argv: Argv) -> Any:
        if self._packer is None or self._connections is None:
            return await cast(Any, self.client).evalsha(self.script.sha, len(keys), *keys, *argv)
        (reply,) = await self._connections.exchange([self._packer.pack(keys, argv)])
        if isinstance(reply, redis.exceptions.ResponseError):
            raise reply
        return reply

    async def _send(
        self, batch: list[tuple[Sequence[str], Argv, asyncio.Future[list[int]]]]
    ) -> None:
        self.batches += 1
        self.batched_calls += len(batch)
        try:
            await self._deliver(batch)
        except (redis.RedisError, OSError) as exc:
            _fail(batch, _unavailable(exc))
        except Exception as exc:  # a waiter left unresolved would hang its request forever
            _fail(batch, _unexpected(exc))
        except BaseException as exc:  # cancelled (shutdown): answer the waiters, then stop
            _fail(batch, _unavailable(exc))
            raise

    async def _deliver(
        self, batch: list[tuple[Sequence[str], Argv, asyncio.Future[list[int]]]]
    ) -> None:
        if self._packer is None and len(batch) == 1:
            keys, argv, future = batch[0]
            await _settle(future, self._one(keys, argv))
            return
        replies = await self._execute(batch)
        for (keys, argv, future), reply in zip(batch, replies, strict=True):
            if isinstance(reply, redis.exceptions.NoScriptError):
                await _settle(future, self._one(keys, argv))
            elif future.done():
                continue
            elif isinstance(reply, BaseException):
                future.set_exception(_unavailable(reply))
            else:
                future.set_result(reply)  # RESP integers: already ints

    async def _execute(self, batch: list[tuple[Sequence[str], Argv, Any]]) -> list[Any]:
        packer, connections = self._packer, self._connections
        if packer is not None and connections is not None:
            commands = [packer.pack(keys, argv) for keys, argv, _ in batch]
            return await connections.exchange(commands)
        pipe = cast(Any, self.client).pipeline(transaction=False)
        for keys, argv, _ in batch:
            # execute_command: redis-py blocks the evalsha() method on cluster pipelines,
            # though each EVALSHA names its keys and is routed to their slot like any call.
            pipe.execute_command("EVALSHA", self.script.sha, len(keys), *keys, *argv)
        return cast(list[Any], await pipe.execute(raise_on_error=False))

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except (redis.RedisError, OSError):
            return False

    async def aclose(self) -> None:
        """Wait for the batches in flight, then give the kept connections back."""
        for task in list(self._tasks):
            await asyncio.gather(task, return_exceptions=True)
        if self._connections is not None:
            await self._connections.aclose()


def _fail(
    batch: list[tuple[Sequence[str], Argv, asyncio.Future[list[int]]]], error: RedisUnavailable
) -> None:
    for _, _, future in batch:
        if not future.done():
            future.set_exception(error)


async def _settle(future: asyncio.Future[list[int]], call: Any) -> None:
    try:
        result = await call
    except RedisUnavailable as exc:
        if not future.done():
            future.set_exception(exc)
        return
    if not future.done():
        future.set_result(result)
