"""What the reference service holds while it runs: Redis, upstreams, and perfkit's parts.

This is the worked example of wiring perfkit into a service: one async Redis client for
health and worker merging, the cache (the service's namespaces and TTLs,
`perfkit.service.policies`) on the hot paths, the rate limiter (the service's policies)
and the measurement monitor in the middleware.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.middleware import Middleware

from perfkit.cache import CachePolicy, RedisCache
from perfkit.config import Settings
from perfkit.connection import AsyncClient, Keyspace, ahealth, async_client, target_from_settings
from perfkit.measure import PerformanceMonitor
from perfkit.measure.measurement import Measurement
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, RateLimitMiddleware
from perfkit.service.baseline_job import BaselineJobs
from perfkit.service.policies import (
    AUDIO,
    CHAT,
    RECOMMENDATIONS,
    SERVICE_TTLS,
    USERS,
    service_policies,
)
from perfkit.service.upstreams import ChatSimulator, SpotifySimulator, UpstreamSettings

_CHAT_TURNS_KEPT = 10


@dataclass
class ServiceState:
    settings: Settings
    spotify: SpotifySimulator
    chat_model: ChatSimulator
    redis: AsyncClient
    cache: RedisCache | None
    limiter: AsyncRateLimiter
    measurement: Measurement  # the monitor, and the sampler when PERFKIT_PROFILE=true
    baselines: BaselineJobs
    started_at: float = field(default_factory=time.monotonic)

    @classmethod
    def build(cls, settings: Settings) -> ServiceState:
        """Everything is created here, before the event loop; connections open lazily."""
        target = target_from_settings(settings)
        keyspace = Keyspace(settings.redis_key_prefix)
        upstreams = UpstreamSettings.from_settings(settings)
        redis = async_client(target)
        use_cache = settings.env_bool("PERFKIT_SERVICE_CACHE", True)
        return cls(
            settings=settings,
            spotify=SpotifySimulator(upstreams.spotify),
            chat_model=ChatSimulator(upstreams.chat),
            redis=redis,
            cache=RedisCache(redis, keyspace, CachePolicy.from_settings(settings, SERVICE_TTLS))
            if use_cache
            else None,
            limiter=AsyncRateLimiter(
                redis, LimiterConfig.from_settings(settings, service_policies()), keyspace=keyspace
            ),
            measurement=Measurement.from_settings(settings, redis, keyspace),
            baselines=BaselineJobs.from_settings(settings, redis, keyspace),
        )

    @property
    def monitor(self) -> PerformanceMonitor:
        return self.measurement.monitor

    def middleware(self) -> list[Middleware]:
        """PerformanceMiddleware -> RateLimitMiddleware -> route: measurement outermost, so
        every response is measured, the limiter's 429s included (a refusal is a response
        the client waited for, and the rate-limit advice needs to see it)."""
        return [
            self.measurement.middleware(),
            Middleware(RateLimitMiddleware, limiter=self.limiter, exempt=self.baselines.exempts),
        ]

    async def start(self) -> None:
        self.monitor.start()

    async def stop(self) -> None:
        await self.monitor.stop()
        await self.baselines.cancel()
        if self.cache is not None:
            await self.cache.aclose()
        await self.limiter.aclose()
        await self.redis.aclose()

    def uptime(self) -> float:
        return time.monotonic() - self.started_at

    async def redis_health(self) -> dict[str, Any]:
        return (await ahealth(self.redis)).to_dict()

    # -- the hot paths: cache -> upstream ---------------------------------------------

    async def profile(self, user_id: str) -> dict[str, Any]:
        if self.cache is None:
            return await self.spotify.me(user_id)
        result: dict[str, Any] = await self.cache.get_or_set(
            USERS, user_id, lambda: self.spotify.me(user_id)
        )
        return result

    async def audio_features(self, ids: list[str]) -> list[dict[str, Any]]:
        if self.cache is None:
            found = await self.spotify.audio_features(ids)
            return [found[i] for i in ids]
        return await self.cache.get_many(AUDIO, ids, self.spotify.audio_features)

    async def recommendations(self, seed: str, limit: int) -> list[dict[str, Any]]:
        if self.cache is None:
            return await self.spotify.recommendations(seed, limit)
        result: list[dict[str, Any]] = await self.cache.get_or_set(
            RECOMMENDATIONS, f"{seed}:{limit}", lambda: self.spotify.recommendations(seed, limit)
        )
        return result

    async def chat(self, message: str, session: str) -> str:
        """The chat context (recent turns) lives in the cache: any worker can answer the
        next turn of a conversation."""
        history: list[str] = []
        if self.cache is not None:
            history = list(await self.cache.get(CHAT, session, default=[]) or [])
        reply = await self.chat_model.reply(message, history)
        if self.cache is not None:
            await self.cache.set(CHAT, session, [*history, message][-_CHAT_TURNS_KEPT:])
        return reply
