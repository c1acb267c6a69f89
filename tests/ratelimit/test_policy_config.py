"""Policies: none by default, a service's own and their routes, rate strings, TOML files,
env settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfkit.config import Settings
from perfkit.errors import ConfigError, InputError
from perfkit.ratelimit import (
    LimiterConfig,
    Policy,
    PolicySet,
    load_policies,
    parse,
    parse_policies,
)
from perfkit.service.policies import service_policies


def test_the_library_has_no_policies_of_its_own() -> None:
    assert len(LimiterConfig().policies) == 0
    assert len(LimiterConfig.from_settings(Settings.from_env({})).policies) == 0


def test_a_services_policies_and_their_routes() -> None:
    policies = LimiterConfig.from_settings(Settings.from_env({}), service_policies()).policies
    limits = {p.name: (p.limit, p.window) for p in policies}
    assert limits == {"global": (1000, 900), "api": (500, 900), "chat": (30, 60),
                      "spotify": (50, 60), "auth": (20, 900)}  # fmt: skip

    def names(path: str) -> list[str]:
        return [p.name for p in policies.for_path(path)]

    assert names("/api/chat") == ["global", "api", "chat"]
    assert names("/api/spotify/me") == ["global", "api", "spotify"]
    assert names("/api/chatroom") == ["global", "api"]  # a prefix is a path segment
    assert names("/health") == ["global"]
    assert {p.algorithm for p in policies} == {"gcra"}


@pytest.mark.parametrize(
    ("text", "limit", "window"),
    [("30/minute", 30, 60), ("30/min", 30, 60), ("30 per minute", 30, 60), ("5/s", 5, 1),
     ("100/15 minutes", 100, 900), ("100/15m", 100, 900), ("1000/hour", 1000, 3600),
     ("10000/day", 10000, 86400), (" 7 / Second ", 7, 1)],
)  # fmt: skip
def test_rate_strings(text: str, limit: int, window: float) -> None:
    rate = parse(text)
    assert (rate.limit, rate.window) == (limit, window)
    policy = rate.policy("chat", prefixes=["/api/chat"], message="slow down")
    assert (policy.limit, policy.window, policy.prefixes) == (limit, window, ("/api/chat",))


@pytest.mark.parametrize(
    ("text", "problem"),
    [("30/minutes", "a plural unit needs a count; write '30/minute'"),
     ("0/s", "at least 1 request, not 0"), ("-1/h", "at least 1 request, not -1"),
     ("30/fortnight", "unknown unit 'fortnight'"), ("thirty/minute", "does not parse"),
     ("30/0 minutes", "window must be at least 1"), ("", "does not parse")],
)  # fmt: skip
def test_bad_rate_strings_name_the_problem_in_one_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)) as info:
        parse(text)
    assert "\n" not in str(info.value) and repr(text) in str(info.value)


def test_policies_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text(
        'default_algorithm = "sliding_window"\n'
        "[limits.global]\nlimit = 10\nwindow = 60\n"
        '[limits.chat]\nlimit = 2\nwindow_ms = 1000\nprefixes = ["/api/chat"]\n'
        'algorithm = "gcra"\nburst = 1\nshadow = true\nmessage = "slow down"\n'
    )
    chat = load_policies(path)[1]
    assert load_policies(path)[0].algorithm == "sliding_window"
    assert (chat.limit, chat.window, chat.algorithm, chat.burst, chat.shadow, chat.message) == (
        2, 1.0, "gcra", 1, True, "slow down")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "problem"),
    [("[limits.a]\nlimit = 1\n", "window"), ("[limits.a]\nwindow = 1\n", "limit is required"),
     ("[limits.a]\nlimit = true\nwindow = 1\n", "wrong type"),
     ("[limits.a]\nlimit = 1\nwindow = 1\nalgo = 'x'\n", "unknown keys algo"),
     ("[limits.a]\nlimit = 1\nwindow = 1\nalgorithm = 'leaky'\n", "unknown algorithm"),
     ("[limits.a]\nlimit = 0\nwindow = 1\n", "limit must be >= 1"),
     ("[limits.a]\nlimit = 1\nwindow = 1\nprefixes = ['api']\n", "must start with /"),
     ("limits = 3", "at least one"), ("[limits", "not valid TOML")],
)  # fmt: skip
def test_bad_policy_files_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as info:
        parse_policies(text, "limits.toml")
    assert str(info.value).startswith("limits.toml")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_policies(tmp_path / "nope.toml")


def test_settings_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text("[limits.only]\nlimit = 5\nwindow = 1\n")
    config = LimiterConfig.from_settings(Settings.from_env({
        "PERFKIT_RATELIMIT_POLICIES": str(path), "PERFKIT_RATELIMIT_SHADOW": "true",
        "PERFKIT_RATELIMIT_ON_REDIS_ERROR": "closed",
        "PERFKIT_RATELIMIT_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1",
        "PERFKIT_RATELIMIT_FALLBACK_INSTANCES": "3", "PERFKIT_RATELIMIT_HEADERS": "draft-8",
    }))  # fmt: skip
    assert [(p.name, p.shadow) for p in config.policies] == [("only", True)]
    assert config.on_redis_error == "closed"
    assert config.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert config.fallback_instances == 3
    assert config.headers == "draft-8" and config.describe()["headers"] == "draft-8"
    default = LimiterConfig.from_settings(Settings.from_env({"PERFKIT_RATELIMIT_ALGORITHM":
                                          "sliding_window"}), service_policies())  # fmt: skip
    assert {p.algorithm for p in default.policies} == {"sliding_window"}
    assert "/health" in default.exempt_paths
    assert default.headers == "draft-6"


@pytest.mark.parametrize(
    ("name", "value"),
    [("PERFKIT_RATELIMIT_ALGORITHM", "leaky"), ("PERFKIT_RATELIMIT_ON_REDIS_ERROR", "maybe"),
     ("PERFKIT_RATELIMIT_FALLBACK_INSTANCES", "0"), ("PERFKIT_RATELIMIT_HEADERS", "draft-7")],
)  # fmt: skip
def test_bad_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        LimiterConfig.from_settings(Settings.from_env({name: value}))


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="unique"):
        PolicySet([Policy("a", 1, 1), Policy("a", 2, 1)])
