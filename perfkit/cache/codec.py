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
from typing import Any, NamedTuple

import orjson

MAGIC = b"\xa7pk"
_JSON = ord("j")
_BYTES = ord("b")
_HEADER = struct.Struct("<3sBdd")
_unpack = _HEADER.unpack_from
HEADER_SIZE = _HEADER.size
# The same header read as (magic and kind in one integer, soft expiry, load seconds):
# one int comparison tells a JSON entry, without a bytes object per value.
_unpack_tagged = struct.Struct("<Idd").unpack_from
_JSON_TAG = struct.unpack("<I", MAGIC + bytes([_JSON]))[0]


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


#: The value of a position `decode_many` found no entry for (None is a cached value).
MISSING: Any = object()


class Batch(NamedTuple):
    """A batch read decoded: one value per stored item, `MISSING` at ``misses``."""

    values: list[Any]
    misses: list[int]  # positions without an entry: absent, or bytes that are not one
    errors: int  # how many of the misses held bytes that are not an entry
    near: list[tuple[int, float, float]]  # (position, soft expiry, load seconds), see below


def decode_many(raws: Sequence[bytes | None], now: float, reach: float) -> Batch:
    """`decode` over a batch read, in one pass with no per-value tuple.

    Only the entries ``near`` their soft expiry (``soft_expiry - now <= load_seconds *
    reach``) carry their times out: a reader's freshness rule needs no others. JSON
    entries, the common case, are decoded inline; the rest go through `decode`. One
    orjson call per value: joining the payloads into one array to decode at once
    costs more (copies of every payload, a larger parse) and would let one corrupt
    payload shift its neighbours.
    """
    values: list[Any] = []
    misses: list[int] = []
    near: list[tuple[int, float, float]] = []
    append, loads, errors = values.append, orjson.loads, 0
    for raw in raws:
        if raw is not None:
            try:
                tag, soft_expiry, load_seconds = _unpack_tagged(raw)
                append(loads(raw[HEADER_SIZE:]) if tag == _JSON_TAG else decode(raw)[0])
            except (struct.error, orjson.JSONDecodeError, DecodeError):
                errors += 1
            else:
                if soft_expiry - now <= load_seconds * reach:
                    near.append((len(values) - 1, soft_expiry, load_seconds))
                continue
        misses.append(len(values))
        append(MISSING)
    return Batch(values, misses, errors, near)
