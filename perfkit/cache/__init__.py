"""perfkit's Redis cache for hot paths (see `perfkit.cache.core.RedisCache`).

`RedisCache` (`core`) wires small parts, each with its own interface: `keys` (key
names), `store` (Redis I/O) and `fallback` (in-process LRU) behind `tiered` (the
breaker), `singleflight`, `refresh` (when to reload, and the background reloads;
the rule in `freshness`), `writer` (encode with lifetimes, fill from loaders),
`locking` (the cross-process fill lock), `batch` (`get_many`), `decorator`, `stats`
and `report` (the /api/cache/stats document). `policy` holds TTLs and knobs, `codec`
the stored bytes, `sync` the blocking flavour (`SyncRedisCache`). Its benchmark lives
in `perfkit.bench.cache`.
"""

from perfkit.cache.core import RedisCache
from perfkit.cache.policy import CachePolicy

__all__ = [
    "CachePolicy",
    "RedisCache",
]
