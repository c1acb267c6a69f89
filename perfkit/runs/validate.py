"""Validated, typed reading of a JSON object: errors name the dotted path of the field.

Used by the `from_dict` constructors of `perfkit.runs.model`, so a run file is checked
field by field on read (the equivalent of a JSON schema, without a second description
of the format to keep in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from perfkit.errors import InputError

JSON = dict[str, Any]


class RunFormatError(InputError):
    """A run file is not a perfkit run of a schema version this perfkit reads."""


class Reader:
    """Typed access to one JSON object; errors name the dotted path of the field."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise RunFormatError(f"{where or 'run'}: expected an object")
        self._data = data
        self._where = where

    def _path(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where else key

    def has(self, key: str) -> bool:
        return key in self._data

    def keys(self) -> list[str]:
        return [str(k) for k in self._data]

    def raw(self, key: str) -> object:
        if key not in self._data:
            raise RunFormatError(f"missing field {self._path(key)!r}")
        return self._data[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise RunFormatError(f"field {self._path(key)!r} must be a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.raw(key) is None else self.text(key)

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RunFormatError(f"field {self._path(key)!r} must be an integer")
        return value

    def opt_integer(self, key: str) -> int | None:
        return None if self.raw(key) is None else self.integer(key)

    def number(self, key: str) -> float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RunFormatError(f"field {self._path(key)!r} must be a number")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        return None if self.raw(key) is None else self.number(key)

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise RunFormatError(f"field {self._path(key)!r} must be true or false")
        return value

    def obj(self, key: str) -> Reader:
        return Reader(self.raw(key), self._path(key))

    def opt_obj(self, key: str) -> JSON | None:
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise RunFormatError(f"field {self._path(key)!r} must be an object or null")
        return dict(value)

    def counts(self, key: str) -> dict[str, int]:
        inner = self.obj(key)
        return {name: inner.integer(name) for name in inner._data}

    def items(self, key: str) -> list[Reader]:
        value = self.raw(key)
        if not isinstance(value, list):
            raise RunFormatError(f"field {self._path(key)!r} must be a list")
        return [Reader(item, f"{self._path(key)}[{i}]") for i, item in enumerate(value)]

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise RunFormatError(f"field {self._path(key)!r} must be one of {', '.join(allowed)}")
        return value

    def time(self, key: str) -> datetime:
        try:
            moment = datetime.fromisoformat(self.text(key))
        except ValueError:
            raise RunFormatError(f"field {self._path(key)!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise RunFormatError(f"field {self._path(key)!r} has no time zone")
        return moment
