"""HdrHistogram's wire form (V2, compressed, base64) written and read in plain Python.

The runtime ships its monitors' histograms through Redis in this form, and runs keep it
in their JSON; any HdrHistogram (Java, Go, the Python ``hdrh``) reads it. It is coded
here so that ``pip install perfkit`` needs no ``hdrhistogram`` package (which brings pbr
and setuptools into a service's image); the tests check it byte for byte against hdrh.

The form: base64 of a big-endian header (compression cookie, length) and a zlib stream
of the payload: header (encoding cookie, payload length, normalizing offset, significant
figures, lowest and highest trackable value, conversion ratio 1.0) then the counts array
up to its last non-zero slot, each count ZigZag LEB128, a run of zero counts as one
negative number.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_ENCODING_COOKIE = 0x1C849303 | 0x10  # V2, 8-byte counts
_COMPRESSION_COOKIE = 0x1C849304 | 0x10
_OUTER = struct.Struct(">II")
_HEADER = struct.Struct(">IIIIQQd")


class WireError(ValueError):
    """An encoded histogram that is not HdrHistogram's V2 compressed form."""


@dataclass(frozen=True)
class Geometry:
    """HdrHistogram's index arithmetic for (lowest, highest, significant figures)."""

    lowest: int
    highest: int
    significant_figures: int

    @property
    def unit_magnitude(self) -> int:
        return self.lowest.bit_length() - 1  # floor(log2(lowest))

    @property
    def half_count_magnitude(self) -> int:
        magnitude = math.ceil(math.log2(2 * 10**self.significant_figures))
        return magnitude - 1 if magnitude > 1 else 0

    @property
    def half_count(self) -> int:
        return 1 << self.half_count_magnitude

    def index(self, value: int) -> int:
        """The counts index of ``value``."""
        mask = (2 * self.half_count - 1) << self.unit_magnitude
        bucket = (value | mask).bit_length() - self.unit_magnitude - (self.half_count_magnitude + 1)
        sub_bucket = value >> (bucket + self.unit_magnitude)
        return ((bucket + 1) << self.half_count_magnitude) + sub_bucket - self.half_count

    def value(self, index: int) -> int:
        """The lowest value of counts index ``index``."""
        bucket = (index >> self.half_count_magnitude) - 1
        sub_bucket = (index & (self.half_count - 1)) + self.half_count
        if bucket < 0:
            sub_bucket -= self.half_count
            bucket = 0
        return sub_bucket << (bucket + self.unit_magnitude)

    def highest_equivalent(self, value: int) -> int:
        """The highest value counted in the same slot as ``value``."""
        index = self.index(value)
        bucket = max(0, (index >> self.half_count_magnitude) - 1)
        return self.value(index) + (1 << (self.unit_magnitude + bucket)) - 1


def _zigzag(value: int) -> bytes:
    number = (value << 1) ^ (value >> 63)
    out = bytearray()
    for _ in range(8):
        if number < 0x80:
            out.append(number)
            return bytes(out)
        out.append((number & 0x7F) | 0x80)
        number >>= 7
    out.append(number & 0xFF)  # the 9th byte carries 8 bits
    return bytes(out)


def _unzigzag(data: bytes) -> Iterator[int]:
    position, end = 0, len(data)
    while position < end:
        number, shift = 0, 0
        while True:
            if position >= end:
                raise WireError("truncated counts")
            byte = data[position]
            position += 1
            if shift == 56:
                number |= byte << 56
                break
            number |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        yield (number >> 1) ^ -(number & 1)


def encode(geometry: Geometry, counts: Mapping[int, int]) -> str:
    """The wire form of ``counts`` ({a value of each slot: count}, values in range)."""
    slots = {geometry.index(value): count for value, count in counts.items() if count}
    top = max(slots, default=-1)
    body = bytearray()
    index = 0
    while index <= top:
        count = slots.get(index, 0)
        if count:
            body += _zigzag(count)
            index += 1
            continue
        zeros = 1
        while index + zeros <= top and not slots.get(index + zeros, 0):
            zeros += 1
        body += _zigzag(-zeros)
        index += zeros
    header = _HEADER.pack(_ENCODING_COOKIE, len(body), 0, geometry.significant_figures,
                          geometry.lowest, geometry.highest, 1.0)  # fmt: skip
    compressed = zlib.compress(header + bytes(body))
    return base64.b64encode(_OUTER.pack(_COMPRESSION_COOKIE, len(compressed)) + compressed).decode()


def decode(text: str) -> tuple[Geometry, dict[int, int]]:
    """The geometry and {lowest value of each non-empty slot: count} of a wire form;
    `WireError` naming what is wrong."""
    try:
        raw = base64.b64decode(text, validate=True)
        cookie, length = _OUTER.unpack_from(raw)
        if cookie != _COMPRESSION_COOKIE or length != len(raw) - _OUTER.size:
            raise WireError("not a compressed V2 HdrHistogram")
        payload = zlib.decompress(raw[_OUTER.size :])
        cookie, size, offset, figures, lowest, highest, _ = _HEADER.unpack_from(payload)
    except (ValueError, struct.error, zlib.error) as exc:
        raise WireError(str(exc)) from None
    if cookie != _ENCODING_COOKIE or offset != 0 or size != len(payload) - _HEADER.size:
        raise WireError("not a V2 HdrHistogram payload with 8-byte counts")
    if not (lowest >= 1 and highest >= 2 * lowest and 0 <= figures <= 5):
        raise WireError(f"bad settings {lowest}, {highest}, {figures}")
    geometry = Geometry(lowest, highest, figures)
    counts: dict[int, int] = {}
    index = 0
    for number in _unzigzag(payload[_HEADER.size :]):
        if number < 0:
            index -= number
            continue
        if number:
            counts[geometry.value(index)] = number
        index += 1
    return geometry, counts
