"""Policies from a TOML file (``PERFKIT_RATELIMIT_POLICIES=path``).

Example::

    default_algorithm = "gcra"          # optional: for limits that do not name one

    [limits.global]
    limit = 1000
    window = 900                        # seconds (or window_ms = 900000)
    prefixes = ["/"]

    [limits.chat]
    limit = 30
    window = 60
    prefixes = ["/api/chat"]
    message = "Too many chat requests, please slow down."
    algorithm = "sliding_window"        # gcra | sliding_window | fixed_window
    shadow = false                      # true: count would-be refusals, refuse nothing
    count_refused = false
    burst = 10                          # gcra only

Every problem is an `InputError` naming the file and the limit.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from perfkit.errors import ConfigError, InputError
from perfkit.ratelimit.policy import ALGORITHMS, DEFAULT_MESSAGE, Policy

_KEYS = {"limit", "window", "window_ms", "prefixes", "message", "algorithm", "shadow",
         "count_refused", "burst", "key_prefix"}  # fmt: skip


def _policy(name: str, table: Any, default_algorithm: str) -> Policy:
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ValueError(f"unknown keys {', '.join(unknown)}")
    if ("window" in table) == ("window_ms" in table):
        raise ValueError("give exactly one of window (seconds) or window_ms")
    window = table["window"] if "window" in table else table["window_ms"] / 1000
    prefixes = table.get("prefixes", ["/"])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise ValueError("prefixes must be a list of strings")
    checks: dict[str, type | tuple[type, ...]] = {
        "limit": int, "window": (int, float), "message": str, "algorithm": str,
        "shadow": bool, "count_refused": bool, "burst": int, "key_prefix": str,
    }  # fmt: skip
    for key, kind in checks.items():
        value = window if key == "window" else table.get(key)
        if value is not None and not _has_type(value, kind):
            raise ValueError(f"{key} has the wrong type ({type(value).__name__})")
    return Policy(
        name=name,
        limit=table["limit"] if "limit" in table else _missing("limit"),
        window=float(window),
        algorithm=table.get("algorithm", default_algorithm),
        prefixes=tuple(prefixes),
        message=table.get("message", DEFAULT_MESSAGE),
        key_prefix=table.get("key_prefix", ""),
        burst=table.get("burst"),
        shadow=table.get("shadow", False),
        count_refused=table.get("count_refused", False),
    )


def _has_type(value: object, kind: type | tuple[type, ...]) -> bool:
    """TOML booleans are not numbers here, and numbers are not booleans."""
    if kind is bool:
        return isinstance(value, bool)
    return isinstance(value, kind) and not isinstance(value, bool)


def _missing(key: str) -> int:
    raise ValueError(f"{key} is required")


def parse_policies(text: str, source: str = "<string>") -> tuple[Policy, ...]:
    """Policies from TOML text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML: {exc}") from None
    default_algorithm = data.get("default_algorithm", "gcra")
    if default_algorithm not in ALGORITHMS:
        raise InputError(f"{source}: default_algorithm {default_algorithm!r} is unknown")
    limits = data.get("limits")
    if not isinstance(limits, dict) or not limits:
        raise InputError(f"{source}: needs at least one [limits.<name>] table")
    policies = []
    for name, table in limits.items():
        try:
            policies.append(_policy(name, table, default_algorithm))
        except (ValueError, ConfigError, KeyError) as exc:
            raise InputError(f"{source}: [limits.{name}]: {exc}") from None
    return tuple(policies)


def load_policies(path: str | Path) -> tuple[Policy, ...]:
    """Policies from a TOML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read rate limit policies {path}: {exc.strerror}") from None
    return parse_policies(text, str(path))
