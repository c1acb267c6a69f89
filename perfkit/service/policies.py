"""The reference service's rate limits and cache lifetimes, set the way any user sets theirs.

perfkit's library has no policies and no cache namespaces of its own: a service names
them. These are the reference service's (an EchoTune-style music API), chosen for its
routes: a chat model call is expensive (30 a minute per caller), the simulated Spotify
upstream has its own quota (50 a minute), sign-in is a brute-force target (20 per
15 minutes), and every route shares a general ceiling (1000 per 15 minutes; 500 under
``/api``). Audio features never change (6 h), recommendations drift slowly (15 min),
profiles hourly, chat context lives as long as a conversation (10 min).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from perfkit.ratelimit import DEFAULT_ALGORITHM, Algorithm, Policy

API: Final = "api"
RECOMMENDATIONS: Final = "recommendations"
USERS: Final = "users"
AUDIO: Final = "audio"
CHAT: Final = "chat"

#: Cache TTLs in seconds per namespace: api responses 5 min, recommendations 15 min,
#: user profiles 1 h, audio features 6 h, chat context 10 min.
SERVICE_TTLS: Final[Mapping[str, int]] = MappingProxyType(
    {API: 300, RECOMMENDATIONS: 900, USERS: 3600, AUDIO: 21600, CHAT: 600}
)


def service_policies(algorithm: Algorithm = DEFAULT_ALGORITHM) -> tuple[Policy, ...]:
    """The service's limits and the route prefixes each applies to."""
    return (
        Policy("global", 1000, 15 * 60, algorithm, ("/",)),
        Policy("api", 500, 15 * 60, algorithm, ("/api",)),
        Policy("chat", 30, 60, algorithm, ("/api/chat",),
               message="Too many chat requests, please slow down."),
        Policy("spotify", 50, 60, algorithm, ("/api/spotify",),
               message="Too many Spotify requests, please try again in a minute."),
        Policy("auth", 20, 15 * 60, algorithm, ("/auth", "/api/auth"),
               message="Too many authentication attempts, please try again later."),
    )  # fmt: skip
