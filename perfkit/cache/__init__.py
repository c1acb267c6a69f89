"""perfkit's Redis cache for hot paths (see `perfkit.cache.core.RedisCache`).

Modules: `policy` (TTLs and knobs), `codec` (stored bytes), `freshness` (XFetch and soft
expiry), `singleflight`, `store` (Redis I/O), `fallback` (in-process LRU), `tiered`
(Redis or fallback, behind the breaker), `locking`, `batch`, `decorator`, `stats` and
`report` (the /api/cache/stats document), `core` (`RedisCache`), `sync`
(`SyncRedisCache`). Its benchmark lives in `perfkit.bench.cache`.
"""

from perfkit.cache.core import RedisCache
from perfkit.cache.policy import API, AUDIO, CHAT, RECOMMENDATIONS, SEED_TTLS, USERS, CachePolicy

__all__ = [
    "API",
    "AUDIO",
    "CHAT",
    "RECOMMENDATIONS",
    "SEED_TTLS",
    "USERS",
    "CachePolicy",
    "RedisCache",
]
