from __future__ import annotations

import pytest

from perfkit.cache.codec import (
    HEADER_SIZE,
    MAGIC,
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


def test_decode_many_keeps_positions_and_returns_errors_in_place() -> None:
    good, raw = encode({"a": 1}, 5.0, 0.1), encode(b"\x00raw", 6.0, 0.2)
    bad_json = MAGIC + b"j" + b"\x00" * 16 + b"{nope"
    out = decode_many([good, None, b"garbage", raw, bad_json])
    assert out[0] == ({"a": 1}, 5.0, 0.1)
    assert out[1] is None
    assert isinstance(out[2], DecodeError) and isinstance(out[4], DecodeError)
    assert out[3] == (b"\x00raw", 6.0, 0.2)
