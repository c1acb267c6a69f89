"""Identity: peer address, trusted proxies, ports, IPv6 grouping, safe key forms."""

from __future__ import annotations

import pytest

from perfkit.errors import ConfigError
from perfkit.ratelimit.identity import (
    IdentityResolver,
    client_address,
    identity_key,
    parse_address,
    parse_networks,
)

TRUSTED = parse_networks(["10.0.0.0/8", "2001:db8:ffff::/48"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.2.3.4", "1.2.3.4"), (" 1.2.3.4:8080", "1.2.3.4"), ("[2001:db8::1]:443", "2001:db8::1"),
     ("2001:db8::1", "2001:db8::1"), ("::ffff:1.2.3.4", "1.2.3.4"), ('"1.2.3.4"', "1.2.3.4"),
     ("unknown", None), ("1.2.3.4:x", None), ("", None)],
)  # fmt: skip
def test_addresses_are_parsed_with_ports_stripped(text: str, expected: str | None) -> None:
    parsed = parse_address(text)
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        ("203.0.113.5", ["1.1.1.1"], "203.0.113.5"),              # untrusted peer: header ignored
        ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),            # trusted proxy
        ("10.0.0.2", ["6.6.6.6, 198.51.100.7, 10.0.0.9"], "198.51.100.7"),  # right-most untrusted
        ("10.0.0.2", ["6.6.6.6", "198.51.100.7:1234"], "198.51.100.7"),     # two headers, a port
        ("10.0.0.2", ["10.0.0.3, 10.0.0.4"], "10.0.0.3"),          # all proxies: the farthest
        ("10.0.0.2", ["6.6.6.6, garbage, 10.0.0.4"], "10.0.0.4"),  # nothing left of garbage
        ("10.0.0.2", [], "10.0.0.2"),
    ],
)  # fmt: skip
def test_forwarded_for_takes_the_right_most_untrusted_hop(
    peer: str, xff: list[str], expected: str
) -> None:
    assert str(client_address(peer, xff, TRUSTED)) == expected


def _scope(peer: str, *xff: str) -> dict[str, object]:
    headers = [(b"x-forwarded-for", v.encode()) for v in xff]
    return {"type": "http", "client": (peer, 5555), "headers": headers}


def test_ipv6_clients_are_grouped_by_their_prefix() -> None:
    resolver = IdentityResolver()
    first = resolver(_scope("2001:db8:1:2:aaaa::1"))
    assert first == "2001:db8:1:2::/64"
    assert resolver(_scope("2001:db8:1:2:ffff:1:2:3")) == first
    assert resolver(_scope("2001:db8:1:3::1")) != first
    assert IdentityResolver(ipv6_prefix=128)(_scope("2001:db8::5")) == "2001:db8::5"
    assert resolver(_scope("192.0.2.1")) == "192.0.2.1"


def test_custom_key_function_and_hashed_identities() -> None:
    def api_key(scope: object) -> str | None:
        headers = dict(scope["headers"])  # type: ignore[index]
        value = headers.get(b"x-api-key")
        return value.decode() if value else None

    resolver = IdentityResolver(key_func=api_key)
    with_key = {"client": ("192.0.2.1", 1), "headers": [(b"x-api-key", b"k-123")]}
    assert resolver(with_key) == "k-123"
    assert resolver(_scope("192.0.2.1")) == "192.0.2.1"  # no key: the address
    hashed = IdentityResolver(key_func=api_key, hash_identities=True)(with_key)
    assert hashed.startswith("#") and "k-123" not in hashed


def test_identity_keys_cannot_inject_or_grow() -> None:
    assert identity_key("192.0.2.1") == "192.0.2.1"
    for hostile in ["a}b", "x{y}:z", "a b", "*", "é", "x" * 500, "#abc"]:
        key = identity_key(hostile)
        assert key.startswith("#") and len(key) == 25
        assert not set(key) & set("{}* ")
    assert identity_key("a}b") != identity_key("a}c")


def test_bad_trusted_proxy_and_prefix_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="not-an-ip"):
        parse_networks(["not-an-ip"])
    with pytest.raises(ConfigError, match="/0"):
        IdentityResolver(ipv6_prefix=0)


def test_unknown_peer() -> None:
    assert IdentityResolver()({"type": "http", "client": None, "headers": []}) == "unknown"
