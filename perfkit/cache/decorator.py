"""Cache the results of an async function, keyed by a template of its arguments.

::

    @cache.cached(ttl="5m", key="user:{user_id}")
    async def profile(user_id: str) -> dict[str, Any]: ...

    @cache.cached("audio", key=lambda track: track.id)   # a namespace, a key function
    async def features(track: Track) -> dict[str, Any]: ...

``key`` is a template whose fields name the function's parameters (``{user_id}``,
``{user.id}``, ``{page:03d}``), filled from each call's arguments with their defaults
applied; a field naming a parameter the function does not have is a `ConfigError` when
the function is decorated, never a failing request. ``key`` can also be a function of
the same arguments. Without ``key`` the key is the function's qualified name and a
BLAKE2 digest of its arguments as JSON, so arguments must be JSON-compatible. The
namespace defaults to the function's name; ``ttl`` is seconds or text like ``"5m"``
(`perfkit.durations`), else the namespace's TTL from the `CachePolicy`.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import string
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, Protocol, TypeVar

import orjson

from perfkit.connection import check_namespace
from perfkit.durations import parse_duration
from perfkit.errors import ConfigError

P = ParamSpec("P")
T = TypeVar("T")
KeySpec = str | Callable[..., str] | None


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


def template_key(func: Callable[..., Any], template: str) -> Callable[..., str]:
    """``(*args, **kwargs) -> key`` filling ``template`` from ``func``'s arguments;
    `ConfigError` now for a template that names something ``func`` does not take."""
    signature = inspect.signature(func)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"cache key template {template!r} is malformed: {exc}") from None
    for field in fields:
        name = field.split(".")[0].split("[")[0]
        if not name or name.isdigit():
            raise ConfigError(
                f"cache key template {template!r}: name a parameter in every field "
                f"({{user_id}}), not {{{field}}}"
            )
        if name not in signature.parameters:
            raise ConfigError(
                f"cache key template {template!r} names {name!r}, which "
                f"{func.__name__}({', '.join(signature.parameters)}) does not take"
            )

    def key(*args: Any, **kwargs: Any) -> str:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return template.format_map(bound.arguments)

    return key


def cached(
    get_or_set: GetOrSet,
    namespace: str = "",
    *,
    key: KeySpec = None,
    ttl: float | str | None = None,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """A decorator: calls go through ``get_or_set(namespace, key(...), ...)``."""
    if namespace:
        check_namespace(namespace)  # now, not at the first call
    seconds = None if ttl is None else parse_duration(ttl, "cache ttl")

    def decorate(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        space = namespace or func.__name__
        check_namespace(space)
        make_key = template_key(func, key) if isinstance(key, str) else key

        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            name = make_key(*args, **kwargs) if make_key else default_key(func, args, kwargs)
            return await get_or_set(space, name, lambda: func(*args, **kwargs), ttl=seconds)

        return wrapper

    return decorate
