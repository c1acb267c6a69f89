"""Who is calling: the identity a request is limited by, and its safe form in a key.

By default the client address: the TCP peer, or, only when the peer is a configured
trusted proxy, the right-most ``X-Forwarded-For`` address that is not itself a trusted
proxy (every ``X-Forwarded-For`` header is read as one comma-separated list; ports and
brackets are stripped). Taking the right-most untrusted hop means a client cannot choose
its identity by sending a forged header: only the hops appended by our own proxies are
believed (the bugs behind slowapi #255 and express-rate-limit #234). IPv6 clients are
grouped by a prefix (/64 by default), as one host usually owns a whole /64 and could
otherwise rotate through it. A custom key function (API key, user id) may take over.

`identity_key` turns any identity into a key segment: short identities made of safe
characters are kept readable, anything else is hashed (no key injection, bounded length).

`IdentityResolver` remembers the identity of each (peer, forwarded headers) it has seen
(a bounded memo): parsing and grouping an address with `ipaddress` cost more than the
rest of a decision, and a service sees the same clients again and again.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from perfkit.errors import ConfigError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Scope = Mapping[str, Any]
KeyFunc = Callable[[Scope], str | None]

UNKNOWN = "unknown"
MEMO_SIZE = 65_536
_SAFE = re.compile(r"^[A-Za-z0-9._:/@-]{1,64}$")
_V4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d+$")


def parse_networks(specs: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs or addresses of trusted proxies; `ConfigError` names a bad one."""
    networks = []
    for spec in specs:
        text = spec.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(f"trusted proxy {text!r} is not an address or CIDR") from None
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address from a header or peer field: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``,
    ``::1``; None when it is not an address (``unknown``, garbage)."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else value[1:]
    else:
        match = _V4_PORT.match(value)
        if match:
            value = match.group(1)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> Address | None:
    """The address a request is limited by (see the module docstring)."""
    address = parse_address(peer) if peer else None
    if address is None or not trusted or not _trusted(address, trusted):
        return address
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        candidate = parse_address(hop)
        if candidate is None:
            break  # a malformed hop: believe nothing to its left
        address = candidate
        if not _trusted(candidate, trusted):
            break
    return address


def group_address(address: Address, ipv6_prefix: int = 64, ipv4_prefix: int = 32) -> str:
    """``2001:db8:1:2:...`` -> ``2001:db8:1:2::/64``; IPv4 kept whole unless a prefix is set."""
    if isinstance(address, ipaddress.IPv6Address):
        if ipv6_prefix >= 128:
            return str(address)
        return str(ipaddress.IPv6Network((address, ipv6_prefix), strict=False))
    if ipv4_prefix >= 32:
        return str(address)
    return str(ipaddress.IPv4Network((address, ipv4_prefix), strict=False))


def identity_key(identity: str, *, hash_all: bool = False) -> str:
    """A key-safe form: readable when short and safe, else ``#`` + a 24-hex-digit hash
    (``#`` is not a safe character, so a hashed form never equals a readable one)."""
    if not hash_all and _SAFE.match(identity):
        return identity
    digest = hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=12)
    return "#" + digest.hexdigest()


class IdentityResolver:
    """``resolver(scope) -> identity key`` for an ASGI HTTP scope."""

    def __init__(
        self,
        trusted_proxies: Iterable[str] = (),
        *,
        ipv6_prefix: int = 64,
        ipv4_prefix: int = 32,
        key_func: KeyFunc | None = None,
        hash_identities: bool = False,
    ) -> None:
        if not 1 <= ipv6_prefix <= 128:
            raise ConfigError(f"IPv6 prefix /{ipv6_prefix} must be between 1 and 128")
        if not 1 <= ipv4_prefix <= 32:
            raise ConfigError(f"IPv4 prefix /{ipv4_prefix} must be between 1 and 32")
        self.trusted = parse_networks(trusted_proxies)
        self.ipv6_prefix = ipv6_prefix
        self.ipv4_prefix = ipv4_prefix
        self.key_func = key_func
        self.hash_identities = hash_identities
        # keyed by the peer alone when no proxy is trusted, else by (peer, forwarded)
        self._memo: dict[str | tuple[str | None, tuple[bytes, ...]] | None, str] = {}

    def __call__(self, scope: Scope) -> str:
        if self.key_func is not None:
            custom = self.key_func(scope)
            if custom:
                return identity_key(custom, hash_all=self.hash_identities)
        client = scope.get("client")
        peer = str(client[0]) if client else None
        forwarded: tuple[bytes, ...] = ()
        memo_key: str | tuple[str | None, tuple[bytes, ...]] | None = peer
        if self.trusted:  # without trusted proxies the header is never believed
            forwarded = tuple(
                value for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"
            )
            memo_key = (peer, forwarded)
        found = self._memo.get(memo_key)
        if found is None:
            found = self._resolve(peer, forwarded)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[memo_key] = found
        return found

    def _resolve(self, peer: str | None, forwarded: tuple[bytes, ...]) -> str:
        headers = [value.decode("latin-1") for value in forwarded]
        address = client_address(peer, headers, self.trusted)
        text = UNKNOWN if address is None else group_address(address, self.ipv6_prefix,
                                                            self.ipv4_prefix)  # fmt: skip
        return identity_key(text, hash_all=self.hash_identities)
