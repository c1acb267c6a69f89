from __future__ import annotations

import pytest

from perfkit.config import Settings
from perfkit.errors import ConfigError


def test_defaults_are_the_designs() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url is None
    assert settings.redis_key_prefix == "perfkit:"
    assert settings.redis_default_ttl == 3600
    assert settings.slow_request_threshold_ms == 1000
    assert settings.very_slow_request_threshold_ms == 5000
    assert settings.critical_request_threshold_ms == 10000
    assert settings.enable_slow_request_logging is True
    assert settings.mcp_analytics_enabled is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REDIS_DEFAULT_TTL", "soon"),
        ("REDIS_DEFAULT_TTL", "0"),
        ("SLOW_REQUEST_THRESHOLD", "1.5s"),
        ("ENABLE_SLOW_REQUEST_LOGGING", "maybe"),
        ("PERFKIT_REDIS_TIMEOUT", "-1"),
        ("REDIS_KEY_PREFIX", "app*:"),
    ],
)
def test_invalid_values_name_the_variable_and_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)
    assert value in str(info.value)


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match="SLOW_REQUEST_THRESHOLD"):
        Settings.from_env({"SLOW_REQUEST_THRESHOLD": "6000"})


def test_subsystem_settings_are_validated() -> None:
    settings = Settings.from_env({"PERFKIT_WORKERS": "x"})
    with pytest.raises(ConfigError, match="PERFKIT_WORKERS='x'"):
        settings.env_int("PERFKIT_WORKERS", 1)
