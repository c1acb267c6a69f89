"""The three algorithms in Python, with exactly the semantics of the Lua scripts.

This is the in-process fallback's engine (and the reference the Lua is tested against):
`decide` evaluates every policy of a request against a `MemoryStore` at ``now_us`` (the
clock is an argument), refuses when any non-shadow policy refuses, and then commits only
what the Lua commits. Times are microseconds; replies are in milliseconds, like Redis'.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from perfkit.ratelimit.policy import Policy

_CODES = {"gcra": "g", "sliding_window": "s", "fixed_window": "f"}
FLAG_COUNT_REFUSED = 1
FLAG_SHADOW = 2
_GCRA_EPS = 1e-6  # as in gcra.lua


@dataclass(frozen=True)
class Spec:
    """A policy reduced to what an algorithm needs (and the script's ARGV for it)."""

    code: str
    limit: int
    window_us: int
    burst: int
    flags: int

    @classmethod
    def of(cls, policy: Policy, limit: int | None = None) -> Spec:
        """``limit`` overrides the policy's (the fallback divides it by the instances)."""
        chosen = policy.limit if limit is None else limit
        burst = (
            policy.effective_burst if limit is None else max(1, min(chosen, policy.effective_burst))
        )
        flags = (FLAG_COUNT_REFUSED if policy.count_refused else 0) | (
            FLAG_SHADOW if policy.shadow else 0
        )
        return cls(_CODES[policy.algorithm], chosen, round(policy.window * 1e6), burst, flags)

    def argv(self) -> tuple[str | int, ...]:
        return (self.code, self.limit, self.window_us, self.burst, self.flags)


class Verdict(NamedTuple):
    """One policy's answer: admitted, quota left, ms until full reset, ms to wait."""

    allowed: bool
    remaining: int
    reset_ms: int
    retry_ms: int


class MemoryStore:
    """Keys with expiry (microseconds on the caller's clock), bounded by evicting the
    least recently written key once ``max_keys`` is reached."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._data: OrderedDict[str, tuple[Any, float]] = OrderedDict()

    def get(self, key: str, now: float) -> tuple[Any, float] | None:
        item = self._data.get(key)
        if item is not None and item[1] <= now:
            del self._data[key]
            return None
        return item

    def set(self, key: str, value: Any, expires_at: float) -> None:
        self._data[key] = (value, expires_at)
        self._data.move_to_end(key)
        while len(self._data) > self.max_keys:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def _fixed(store: MemoryStore, key: str, now: float, s: Spec) -> dict[str, Any]:
    item = store.get(key, now)
    count, expires = (item[0], item[1]) if item else (0, now + s.window_us)
    reset = expires - now
    allowed = count < s.limit
    return {"allowed": allowed, "remaining": s.limit - count - 1 if allowed else 0,
            "reset": reset, "retry": 0 if allowed else reset,
            "commit": (key, count + 1, expires)}  # fmt: skip


def _sliding(store: MemoryStore, key: str, now: float, s: Spec) -> dict[str, Any]:
    window, limit = s.window_us, s.limit
    idx = math.floor(now / window)
    item = store.get(key, now)
    w, c, p = item[0] if item else (None, 0, 0)
    expires = item[1] if item else 0.0
    if w != idx:
        p = c if w == idx - 1 else 0
        c = 0
        expires = (idx + 2) * window
    elapsed = now - idx * window
    used = math.floor(p * (window - elapsed) / window) + c
    st: dict[str, Any] = {"reset": window - elapsed, "commit": (key, (idx, c + 1, p), expires)}
    if used < limit:
        st.update(allowed=True, remaining=limit - used - 1, retry=0)
    elif c >= limit:
        wait = max(0, math.floor(window - limit * window / c) + 1)
        st.update(allowed=False, remaining=0, retry=window - elapsed + wait)
    else:
        st.update(allowed=False, remaining=0,
                  retry=math.floor(window - (limit - c) * window / p) + 1 - elapsed)  # fmt: skip
    return st


def _gcra(store: MemoryStore, key: str, now: float, s: Spec) -> dict[str, Any]:
    interval = s.window_us / s.limit
    item = store.get(key, now)
    ahead = max((item[0] if item else now) - now, 0)
    new_ahead = ahead + interval
    over = new_ahead - s.burst * interval
    floored = math.floor(now + new_ahead)
    st: dict[str, Any] = {"commit": (key, floored, floored + 1000)}
    if over > _GCRA_EPS:
        st.update(allowed=False, remaining=0, retry=over, reset=ahead)
    else:
        remaining = max(0, min(s.burst - 1, math.floor(-over / interval + _GCRA_EPS)))
        st.update(allowed=True, remaining=remaining, retry=0, reset=new_ahead)
    return st


_CHECKS = {"f": _fixed, "s": _sliding, "g": _gcra}


def decide(
    store: MemoryStore, keys: Sequence[str], specs: Sequence[Spec], now_us: float
) -> list[Verdict]:
    """Evaluate every policy, refuse if any non-shadow one refuses, commit like the Lua."""
    states = [_CHECKS[s.code](store, k, now_us, s) for k, s in zip(keys, specs, strict=True)]
    refused = any(
        not st["allowed"] and not s.flags & FLAG_SHADOW for st, s in zip(states, specs, strict=True)
    )
    verdicts = []
    for st, spec in zip(states, specs, strict=True):
        commit = not refused if st["allowed"] else bool(spec.flags & FLAG_COUNT_REFUSED)
        remaining = st["remaining"]
        if commit:
            store.set(*st["commit"])
        elif st["allowed"]:
            remaining += 1
        reset_ms, retry_ms = math.ceil(st["reset"] / 1000), math.ceil(st["retry"] / 1000)
        verdicts.append(Verdict(st["allowed"], remaining, reset_ms, retry_ms))
    return verdicts
