"""Reading the core's JSON into typed values, and writing them back.

The generated types (``_types.py``) build themselves with these helpers; ``to_dict()``
turns a value back into exactly the JSON the core wrote (``brightrun ... --json``): money
as decimal strings, times as RFC 3339 UTC strings, tuples as lists.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any, ClassVar, TypeVar, cast

T = TypeVar("T")
U = TypeVar("U")
R = TypeVar("R", bound="Record")
Json = Mapping[str, Any]
"""A JSON object as ``json.loads`` returns it."""


class Record:
    """Shared behaviour of every generated result type."""

    _OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    """Fields the core leaves out of its JSON when they have no value."""

    def to_dict(self) -> dict[str, Any]:
        """The value as the core's JSON object (what ``brightrun ... --json`` prints)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(cast(Any, self)):
            value = getattr(self, field.name)
            if value is None and field.name in self._OPTIONAL:
                continue
            out[field.metadata.get("json", field.name)] = plain(value)
        return out

    def to_json(self) -> str:
        """``to_dict()`` as JSON text."""
        return json.dumps(self.to_dict())

    def _repr_html_(self) -> str | None:
        """A notebook view, for the types that have one (``None``: the plain repr)."""
        render = _HTML.get(type(self))
        return None if render is None else render(self)


_HTML: dict[type[Any], Callable[[Any], str]] = {}


def register_html(cls: type[R], render: Callable[[R], str]) -> None:
    """Gives ``cls`` a notebook view."""
    _HTML[cls] = render


def plain(value: object) -> object:
    """A typed value as the core's JSON has it."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, Decimal):
        # Fixed-point, never an exponent: the core writes 0.000000021, not 2.1E-8.
        return format(value, "f")
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, PurePath):
        return str(value)
    return value


def format_time(value: datetime) -> str:
    """A time as the core writes it: UTC, ``Z``, and 0, 3 or 6 decimals of a second."""
    utc = value.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    micros = utc.microsecond
    if micros % 1000 == 0 and micros:
        text += f".{micros // 1000:03d}"
    elif micros:
        text += f".{micros:06d}"
    return text + "Z"


def _wrong(kind: str, value: object) -> TypeError:
    return TypeError(f"expected {kind} in the core's JSON, got {value!r}")


def to_str(value: object) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise _wrong("a string", value)
    return value


def to_int(value: object) -> int:
    """A JSON integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong("an integer", value)
    return value


def to_float(value: object) -> float:
    """A JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong("a number", value)
    return float(value)


def to_bool(value: object) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise _wrong("a boolean", value)
    return value


def to_decimal(value: object) -> Decimal:
    """Money or another exact decimal, written as a decimal string (or a number)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _wrong("a decimal", value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _wrong("a decimal", value) from None


def to_time(value: object) -> datetime:
    """An RFC 3339 time as an aware ``datetime`` in UTC."""
    text = to_str(value)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise _wrong("a time with a zone", value)
    return parsed.astimezone(timezone.utc)


def to_date(value: object) -> date:
    """A calendar date (``2026-03-01``)."""
    try:
        return date.fromisoformat(to_str(value))
    except ValueError:
        raise _wrong("a date", value) from None


def to_choice(value: object, choices: Collection[str]) -> str:
    """One of an enumeration's names."""
    text = to_str(value)
    if text not in choices:
        raise _wrong(f"one of {sorted(choices)}", value)
    return text


def to_object(value: object) -> Json:
    """A JSON object."""
    if not isinstance(value, Mapping):
        raise _wrong("an object", value)
    return cast(Json, value)


def to_optional(value: object, read: Callable[[Any], T]) -> T | None:
    """``None`` for null (or a missing field), else ``read(value)``."""
    return None if value is None else read(value)


def to_tuple(value: object, read: Callable[[Any], T]) -> tuple[T, ...]:
    """A JSON array as a tuple."""
    if not isinstance(value, list):
        raise _wrong("an array", value)
    return tuple(read(item) for item in value)


def to_pair(value: object, read_a: Callable[[Any], T], read_b: Callable[[Any], U]) -> tuple[T, U]:
    """A JSON array of two values of known types."""
    if not isinstance(value, list) or len(value) != 2:
        raise _wrong("an array of two values", value)
    return read_a(value[0]), read_b(value[1])


def to_map(value: object, read: Callable[[Any], T]) -> dict[str, T]:
    """A JSON object of values of one type."""
    return {to_str(key): read(item) for key, item in to_object(value).items()}


def to_any(value: object) -> Any:
    """Any JSON value, as ``json.loads`` gives it."""
    return value
