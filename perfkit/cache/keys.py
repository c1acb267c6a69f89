"""The cache's Redis key names: ``<prefix><namespace>:<key>`` and the fill locks' keys.

Every collaborator of `RedisCache` names keys through one `CacheKeys`, so the prefix of
a namespace is validated and built once (it is on every read's path) and the lock of a
value key is derived from that key alone.
"""

from __future__ import annotations

from perfkit.connection import Keyspace

LOCK_NAMESPACE = "lock"


class CacheKeys:
    """Key names under one `Keyspace`; namespace prefixes are memoized."""

    def __init__(self, keyspace: Keyspace) -> None:
        self.keyspace = keyspace
        self._prefixes: dict[str, str] = {}

    def prefix(self, namespace: str) -> str:
        """``<prefix><namespace>:``; `ConfigError` for a namespace `Keyspace` refuses."""
        prefix = self._prefixes.get(namespace)
        if prefix is None:
            prefix = self._prefixes[namespace] = self.keyspace.key(namespace, "")
        return prefix

    def key(self, namespace: str, key: str) -> str:
        return self.prefix(namespace) + key

    def lock(self, full: str) -> str:
        """``<prefix>lock:<namespace>:<key>``: the fill lock of the value key ``full``."""
        return self.keyspace.key(LOCK_NAMESPACE, full.removeprefix(self.keyspace.prefix))

    def scope(self, namespace: str | None) -> tuple[str, str]:
        """(SCAN pattern, key prefix) of ``namespace``'s keys, or of every key's."""
        if namespace is None:
            return self.keyspace.pattern(), self.keyspace.prefix
        return self.keyspace.pattern(namespace), self.prefix(namespace)
