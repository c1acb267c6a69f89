"""Cache the results of an async function (the seed's ``wrapSpotifyApiCall``).

::

    @cache.cached("users", key=lambda user_id: user_id)
    async def spotify_me(user_id: str) -> dict[str, Any]: ...

Without ``key`` the key is the function's qualified name and a BLAKE2 digest of its
arguments as JSON, so arguments must be JSON-compatible (pass ``key`` otherwise).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, Protocol, TypeVar

import orjson

from perfkit.connection import check_namespace

P = ParamSpec("P")
T = TypeVar("T")


class GetOrSet(Protocol):
    """What the decorator needs of a cache: `RedisCache.get_or_set`."""

    def __call__(
        self, namespace: str, key: str, loader: Callable[[], Awaitable[T]], *, ttl: float | None
    ) -> Awaitable[T]: ...


def default_key(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """``module.qualname:digest`` of the arguments; TypeError for non-JSON arguments."""
    try:
        payload = orjson.dumps([args, kwargs], option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:
        raise TypeError(
            f"cannot build a cache key for {func.__qualname__} from its arguments ({exc}); "
            "pass key=..."
        ) from None
    digest = hashlib.blake2b(payload, digest_size=16).hexdigest()
    return f"{func.__module__}.{func.__qualname__}:{digest}"


def cached(
    get_or_set: GetOrSet,
    namespace: str,
    *,
    key: Callable[..., str] | None = None,
    ttl: float | None = None,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """A decorator: calls go through ``get_or_set(namespace, key(...), ...)``."""
    check_namespace(namespace)  # now, not at the first call

    def decorate(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            name = key(*args, **kwargs) if key else default_key(func, args, kwargs)
            return await get_or_set(namespace, name, lambda: func(*args, **kwargs), ttl=ttl)

        return wrapper

    return decorate
