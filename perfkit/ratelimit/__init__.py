"""Redis-backed rate limiting: atomic Lua algorithms, policies, fallback, ASGI middleware.

The public API::

    RateLimiter / AsyncRateLimiter     decide requests (sync / asyncio)
    LimiterConfig                      how (from Settings: PERFKIT_RATELIMIT_*)
    Policy, PolicySet, load_policies   policies (no defaults: a service names its own)
    parse, Rate                        "30/minute" -> 30 per 60 s
    limiter.limit / limiter.depends    one route's limit: decorator / FastAPI dependency
    Decision, Outcome                  what was decided, by which backend
    IdentityResolver, identity_key     who is calling
    RateLimitMiddleware                the ASGI middleware
"""

from perfkit.ratelimit.config_file import load_policies, parse_policies
from perfkit.ratelimit.decision import Decision, Outcome
from perfkit.ratelimit.identity import IdentityResolver, identity_key
from perfkit.ratelimit.limiter import AsyncRateLimiter, RateLimiter
from perfkit.ratelimit.middleware import RateLimitMiddleware
from perfkit.ratelimit.policy import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    Algorithm,
    Policy,
    PolicySet,
)
from perfkit.ratelimit.rates import Rate, parse
from perfkit.ratelimit.settings import LimiterConfig

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "Algorithm",
    "AsyncRateLimiter",
    "Decision",
    "IdentityResolver",
    "LimiterConfig",
    "Outcome",
    "Policy",
    "PolicySet",
    "Rate",
    "RateLimitMiddleware",
    "RateLimiter",
    "identity_key",
    "load_policies",
    "parse",
    "parse_policies",
]
