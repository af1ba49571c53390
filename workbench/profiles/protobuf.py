"""The protobuf wire format, as much of it as ``profile.proto`` uses.

Why hand-written rather than the ``protobuf`` package: pprof's schema is
small and frozen (varints, length-delimited fields, packed repeated
integers, nothing else), the package would need a module generated from the
schema at build time, and importing it costs start-up time every reader
would pay. Fifty lines read and write all of it.

Messages are decoded into ``{field number: [values]}``; a value is an ``int``
(varint, fixed64, fixed32) or ``bytes`` (length-delimited: a string, a nested
message or a packed list, which the caller knows from the schema).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

Fields = dict[int, list[int | bytes]]

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a protobuf message (cut short, or an unknown wire type)."""


def decode(data: bytes) -> Fields:
    """The fields of one message, each with its values in order."""
    fields: Fields = defaultdict(list)
    position, size = 0, len(data)
    while position < size:
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, position = _varint(data, position)
            fields[number].append(value)
        elif wire == _LENGTH:
            length, position = _varint(data, position)
            end = position + length
            if end > size:
                raise WireError(f"field {number} runs past the end of its message")
            fields[number].append(data[position:end])
            position = end
        elif wire in (_FIXED64, _FIXED32):
            width = 8 if wire == _FIXED64 else 4
            if position + width > size:
                raise WireError(f"field {number} runs past the end of its message")
            fields[number].append(int.from_bytes(data[position : position + width], "little"))
            position += width
        else:
            raise WireError(f"field {number} has wire type {wire}, which profile.proto never uses")
    return fields


def packed(values: list[int | bytes]) -> list[int]:
    """A repeated integer field, packed (one bytes value) or not (several ints), as ints."""
    result: list[int] = []
    for value in values:
        if isinstance(value, int):
            result.append(value)
            continue
        position = 0
        while position < len(value):
            number, position = _varint(value, position)
            result.append(number)
    return result


def signed(value: int) -> int:
    """An ``int64`` read as a varint (two's complement in 64 bits)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise WireError("a number is cut short or longer than 64 bits")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7


# -- writing -------------------------------------------------------------------


def varint(value: int) -> bytes:
    """``value`` (an int64 when negative) as a varint."""
    value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    """One varint field; zero is the default and is left out, as protobuf writers do."""
    return varint(number << 3 | _VARINT) + varint(value) if value else b""


def field_bytes(number: int, value: bytes) -> bytes:
    """One length-delimited field (a string, a message or a packed list)."""
    return varint(number << 3 | _LENGTH) + varint(len(value)) + value


def field_packed(number: int, values: Iterable[int]) -> bytes:
    """A packed repeated integer field."""
    return field_bytes(number, b"".join(varint(value) for value in values))
