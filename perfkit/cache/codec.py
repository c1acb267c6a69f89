"""The bytes stored for one cached value: a small header, then the value.

Layout: ``MAGIC`` (3 bytes), a kind byte (``j`` orjson, ``b`` raw bytes), the soft
expiry (unix seconds, float64) and how long the load took (seconds, float64), then the
payload. The header carries what stale-while-revalidate and XFetch need, so a reader in
any process can decide on its own whether the value is due for a refresh.

Values are JSON-compatible (orjson: dict, list, str, int, float, bool, None, plus
dataclasses, datetimes, UUIDs and numpy arrays on the way in) or ``bytes``, which are
stored as they are. Never pickle: whoever can write to Redis must not be able to run
code in the service. Bytes that are not an entry raise `DecodeError` (a counted miss).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import orjson

MAGIC = b"\xa7pk"
_JSON = ord("j")
_BYTES = ord("b")
_HEADER = struct.Struct("<3sBdd")
_unpack = _HEADER.unpack_from
HEADER_SIZE = _HEADER.size


class DecodeError(ValueError):
    """Stored bytes are not a perfkit cache entry (written by something else, or cut)."""


class EncodeError(TypeError):
    """A value orjson cannot serialize; the caller's loader returned it, so it is theirs."""


#: A decoded value with the facts needed to decide on a refresh: (value, soft expiry,
#: load seconds). A plain tuple: this is built once per cached value read, on the hot path.
Entry = tuple[Any, float, float]


def encode(value: Any, soft_expiry: float, load_seconds: float) -> bytes:
    """The stored form of ``value``; raise `EncodeError` for what orjson cannot write."""
    if isinstance(value, bytes | bytearray | memoryview):
        return _HEADER.pack(MAGIC, _BYTES, soft_expiry, load_seconds) + bytes(value)
    try:
        payload = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as exc:
        raise EncodeError(f"cannot cache a {type(value).__name__}: {exc}") from None
    return _HEADER.pack(MAGIC, _JSON, soft_expiry, load_seconds) + payload


def decode(raw: bytes) -> Entry:
    """The entry stored in ``raw``; raise `DecodeError` when it is not one."""
    try:
        magic, kind, soft_expiry, load_seconds = _unpack(raw)
    except struct.error:
        raise DecodeError("too short for a cache entry") from None
    if magic != MAGIC:
        raise DecodeError("not a perfkit cache entry")
    if kind == _JSON:
        try:
            return orjson.loads(raw[HEADER_SIZE:]), soft_expiry, load_seconds
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"bad JSON payload: {exc}") from None
    if kind == _BYTES:
        return raw[HEADER_SIZE:], soft_expiry, load_seconds
    raise DecodeError(f"unknown entry kind {kind}")


def decode_many(raws: Sequence[bytes | None]) -> list[Entry | DecodeError | None]:
    """`decode` over a batch read: None stays None, bad bytes become their `DecodeError`.

    JSON entries, the common case, are decoded inline (one call for the whole batch).
    """
    out: list[Entry | DecodeError | None] = []
    append, loads, magic_json = out.append, orjson.loads, (MAGIC, _JSON)
    for raw in raws:
        if raw is not None:
            try:
                magic, kind, soft_expiry, load_seconds = _unpack(raw)
                if (magic, kind) == magic_json:
                    append((loads(raw[HEADER_SIZE:]), soft_expiry, load_seconds))
                    continue
            except (struct.error, orjson.JSONDecodeError):
                pass
            try:
                append(decode(raw))
            except DecodeError as exc:
                append(exc)
            continue
        append(None)
    return out
