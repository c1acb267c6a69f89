from __future__ import annotations

import re

import pytest

from perfkit.cache import CachePolicy
from perfkit.config import Settings
from perfkit.errors import ConfigError
from perfkit.service.policies import API, AUDIO, CHAT, RECOMMENDATIONS, SERVICE_TTLS, USERS


def test_the_library_has_no_namespaces_of_its_own() -> None:
    assert CachePolicy().ttls == {}
    policy = CachePolicy.from_settings(Settings.from_env({"REDIS_DEFAULT_TTL": "77"}))
    assert (policy.ttls, policy.ttl(AUDIO)) == ({}, 77)


def test_a_services_ttls_apply_and_other_namespaces_use_the_default_ttl() -> None:
    env = Settings.from_env({"REDIS_DEFAULT_TTL": "77"})
    policy = CachePolicy.from_settings(env, SERVICE_TTLS)
    assert [policy.ttl(n) for n in (API, RECOMMENDATIONS, USERS, AUDIO, CHAT)] == [
        300,
        900,
        3600,
        21600,
        600,
    ]
    assert policy.ttl("search") == 77


def test_environment_overrides_a_namespace_ttl_and_the_knobs() -> None:
    env = {
        "PERFKIT_CACHE_TTL_AUDIO": "60",
        "PERFKIT_CACHE_TTL_SEARCH": "5",
        "PERFKIT_CACHE_TTL_JITTER": "0.2",
        "PERFKIT_CACHE_STALE_TTL": "30",
        "PERFKIT_CACHE_LOCK": "true",
    }
    policy = CachePolicy.from_settings(Settings.from_env(env), SERVICE_TTLS)
    assert (policy.ttl(AUDIO), policy.ttl("search"), policy.ttl(USERS)) == (60, 5, 3600)
    assert (policy.ttl_jitter, policy.stale_ttl, policy.lock) == (0.2, 30.0, True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PERFKIT_CACHE_TTL_AUDIO", "0"),
        ("PERFKIT_CACHE_TTL_AUDIO", "soon"),
        ("PERFKIT_CACHE_TTL_JITTER", "1.5"),
        ("PERFKIT_CACHE_MAX_VALUE_BYTES", "-1"),
    ],
)
def test_a_bad_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(name)):
        CachePolicy.from_settings(Settings.from_env({name: value}))


def test_jitter_shortens_ttls_by_at_most_the_fraction_and_stale_extends_the_hard_ttl() -> None:
    policy = CachePolicy(ttls=SERVICE_TTLS, ttl_jitter=0.1, stale_ttl=30)
    assert policy.lifetimes(AUDIO, rand=0.0) == (21600, 21630)
    soft, hard = policy.lifetimes(AUDIO, rand=0.999)
    assert soft == pytest.approx(21600 * (1 - 0.0999))
    assert hard == pytest.approx(soft + 30)
    assert policy.lifetimes(AUDIO, ttl=10, rand=0.5) == pytest.approx((9.5, 39.5))


def test_invalid_policy_values_are_refused() -> None:
    with pytest.raises(ConfigError):
        CachePolicy(ttl_jitter=1.0)
    with pytest.raises(ConfigError):
        CachePolicy(ttls={"bad:name": 5})
    with pytest.raises(ConfigError):
        CachePolicy().lifetimes(AUDIO, ttl=0)
