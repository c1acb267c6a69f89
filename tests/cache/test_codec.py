from __future__ import annotations

import pytest

from perfkit.cache.codec import (
    HEADER_SIZE,
    MAGIC,
    MISSING,
    DecodeError,
    EncodeError,
    decode,
    decode_many,
    encode,
)


@pytest.mark.parametrize(
    "value", [{"a": [1, 2.5, None, True]}, "text", 42, None, [], b"\x00\xffraw bytes"]
)
def test_values_round_trip_with_their_expiry_and_load_time(value: object) -> None:
    entry = decode(encode(value, 123.5, 0.25))
    assert entry == (value, 123.5, 0.25)


def test_bytes_are_stored_as_they_are_after_the_header() -> None:
    raw = encode(b"payload", 1.0, 0.0)
    assert raw.startswith(MAGIC)
    assert raw[HEADER_SIZE:] == b"payload"


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x80\x81\x82 not ours at all, but long enough",
        MAGIC + b"j" + b"\x00" * 16 + b"{not json",
        MAGIC + b"z" + b"\x00" * 16 + b"{}",
        b"\x80\x03cos\nsystem\n(S'echo pwned'\ntR.",  # a pickle: never executed
    ],
)
def test_bytes_that_are_not_an_entry_raise_decode_error(garbage: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(garbage)


def test_a_value_orjson_cannot_write_raises_encode_error() -> None:
    with pytest.raises(EncodeError, match="object"):
        encode(object(), 1.0, 0.0)


def test_decode_many_keeps_positions_and_names_misses_and_errors() -> None:
    good, raw = encode({"a": 1}, 5.0, 0.1), encode(b"\x00raw", 6.0, 0.2)
    bad_json = MAGIC + b"j" + b"\x00" * 16 + b"{nope"
    unknown_kind = MAGIC + b"z" + b"\x00" * 16 + b"{}"
    null, text = encode(None, 7.0, 0.0), encode("text", 8.0, 0.0)
    batch = decode_many(
        [good, None, b"garbage", raw, bad_json, null, b"", unknown_kind, text], now=0.0, reach=0.0
    )
    assert batch.values[0] == {"a": 1} and batch.values[3] == b"\x00raw"
    assert batch.values[5] is None and batch.values[8] == "text"  # JSON null is a value
    assert batch.misses == [1, 2, 4, 6, 7]
    assert all(batch.values[i] is MISSING for i in batch.misses)
    assert batch.errors == 4  # every miss but the absent key
    assert batch.near == []


def test_decode_many_lists_the_entries_near_their_soft_expiry() -> None:
    """``soft_expiry - now <= load_seconds * reach``: only those can be due for a reload."""
    raws = [
        encode("far", 100.0, 1.0),  # 90 s left, reach 10 s
        encode("near", 15.0, 1.0),  # 5 s left
        encode(b"stale bytes", 9.0, 0.0),  # past its soft expiry
        encode("at the edge", 20.0, 1.0),  # exactly 10 s left
        None,
    ]
    batch = decode_many(raws, now=10.0, reach=10.0)
    assert batch.near == [(1, 15.0, 1.0), (2, 9.0, 0.0), (3, 20.0, 1.0)]
    assert batch.values[:4] == ["far", "near", b"stale bytes", "at the edge"]
    assert batch.misses == [4]
