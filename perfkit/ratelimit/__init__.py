"""Redis-backed rate limiting: atomic Lua algorithms, policies, fallback, ASGI middleware.

The public API::

    RateLimiter / AsyncRateLimiter     decide requests (sync / asyncio)
    LimiterConfig                      how (from Settings: PERFKIT_RATELIMIT_*)
    Policy, PolicySet, default_policies, create_rate_limit, load_policies
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
    create_rate_limit,
    default_policies,
)
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
    "RateLimitMiddleware",
    "RateLimiter",
    "create_rate_limit",
    "default_policies",
    "identity_key",
    "load_policies",
    "parse_policies",
]
