"""Simulated upstreams: the Spotify API and the chat model.

They cannot be reached from here, and a benchmark needs a stable target, so each call
sleeps for a configurable latency with jitter and fails at a configurable rate. Answers
are deterministic functions of the request, so a cached answer equals a fresh one.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from perfkit.config import Settings
from perfkit.errors import ConfigError


class UpstreamError(Exception):
    """The simulated upstream failed (its configured error rate)."""


@dataclass
class UpstreamProfile:
    """Latency (ms), jitter (ms, uniform +/-) and error rate (0..1) of one upstream."""

    latency_ms: float
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    calls: int = 0

    async def wait(self) -> None:
        self.calls += 1
        delay = self.latency_ms + self.rng.uniform(-self.jitter_ms, self.jitter_ms)
        await asyncio.sleep(max(delay, 0.0) / 1000)
        if self.error_rate and self.rng.random() < self.error_rate:
            raise UpstreamError("simulated upstream failure")


def _unit(*parts: str) -> float:
    """A stable pseudo-random number in [0, 1) derived from ``parts``."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class SpotifySimulator:
    """The parts of the Spotify Web API the reference service calls."""

    def __init__(self, profile: UpstreamProfile) -> None:
        self.profile = profile

    async def me(self, user_id: str) -> dict[str, Any]:
        await self.profile.wait()
        return {
            "id": user_id,
            "display_name": f"Listener {user_id}",
            "country": "SE",
            "product": "premium" if _unit(user_id, "p") > 0.3 else "free",
            "followers": {"total": int(_unit(user_id, "f") * 5000)},
        }

    async def audio_features(self, track_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Features for each distinct id, in one upstream call (as Spotify's batch endpoint)."""
        await self.profile.wait()
        return {tid: audio_features_of(tid) for tid in dict.fromkeys(track_ids)}

    async def recommendations(self, seed: str, limit: int) -> list[dict[str, Any]]:
        await self.profile.wait()
        return [
            {
                "id": f"{seed[:8]}{i:02d}",
                "name": f"Track {i + 1} for {seed}",
                "popularity": int(_unit(seed, str(i)) * 100),
            }
            for i in range(limit)
        ]


def audio_features_of(track_id: str) -> dict[str, Any]:
    return {
        "id": track_id,
        "danceability": round(_unit(track_id, "d"), 3),
        "energy": round(_unit(track_id, "e"), 3),
        "valence": round(_unit(track_id, "v"), 3),
        "tempo": round(60 + _unit(track_id, "t") * 120, 1),
    }


class ChatSimulator:
    """A chat model that answers after its latency, echoing the context length."""

    def __init__(self, profile: UpstreamProfile) -> None:
        self.profile = profile

    async def reply(self, message: str, history: list[str]) -> str:
        await self.profile.wait()
        mood = ["upbeat", "mellow", "energetic", "calm"][int(_unit(message) * 4)]
        return f"Here are some {mood} picks for '{message[:60]}' (turn {len(history) + 1})."


@dataclass(frozen=True)
class UpstreamSettings:
    spotify: UpstreamProfile
    chat: UpstreamProfile

    @classmethod
    def from_settings(cls, settings: Settings) -> UpstreamSettings:
        error_rate = settings.env_float("PERFKIT_UPSTREAM_ERROR_RATE", 0.0)
        if error_rate > 1:
            raise ConfigError(f"PERFKIT_UPSTREAM_ERROR_RATE={error_rate} must be within 0..1")
        jitter = settings.env_float("PERFKIT_UPSTREAM_JITTER_MS", 5.0)
        return cls(
            spotify=UpstreamProfile(
                settings.env_float("PERFKIT_UPSTREAM_LATENCY_MS", 50.0), jitter, error_rate
            ),
            chat=UpstreamProfile(
                settings.env_float("PERFKIT_CHAT_LATENCY_MS", 120.0), jitter, error_rate
            ),
        )
