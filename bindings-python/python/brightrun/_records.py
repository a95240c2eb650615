"""Datasets held in memory: a list of records, a pandas ``DataFrame`` or a Hugging Face
``datasets.Dataset``, written as the JSON Lines the core reads (record ``n`` on line ``n``).

Nothing is written to disk: the JSON Lines are handed to the core as bytes.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from typing_extensions import TypeIs


@runtime_checkable
class TableLike(Protocol):
    """A pandas ``DataFrame`` or a Hugging Face ``datasets.Dataset``: anything with
    ``to_json``, written as JSON Lines by its own writer."""

    def to_json(self, *args: object, **kwargs: object) -> object: ...


Records = Iterable[Mapping[str, object]]
"""Records in memory: each a ``dict`` with the keys of one of the formats."""

DatasetInput = str | os.PathLike[str] | bytes | Records | TableLike
"""A dataset to validate or convert: a file's path, its bytes, records, a ``DataFrame`` or
a ``datasets.Dataset``."""


def dataset_source(dataset: DatasetInput) -> str | os.PathLike[str] | bytes:
    """What the native functions take: the path of a file, or the bytes of a dataset."""
    if isinstance(dataset, str | os.PathLike):
        return dataset
    return in_memory_bytes(dataset)


def in_memory_bytes(dataset: bytes | Records | TableLike) -> bytes:
    """The bytes of a dataset in memory: bytes as they are, records as JSON Lines."""
    if isinstance(dataset, bytes | bytearray | memoryview):
        return bytes(dataset)
    return records_jsonl(dataset)


def is_in_memory(dataset: object) -> TypeIs[bytes | Records | TableLike]:
    """Whether ``dataset`` is records, a table or bytes rather than a path or a file object."""
    if isinstance(dataset, str | os.PathLike) or hasattr(dataset, "read"):
        return False
    return isinstance(dataset, bytes | bytearray | memoryview | TableLike | Iterable)


def records_jsonl(dataset: Records | TableLike) -> bytes:
    """The JSON Lines of records, one a line in their order."""
    module = type(dataset).__module__.split(".")[0]
    if module == "pandas" and isinstance(dataset, TableLike):
        text = dataset.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
        return str(text).encode()
    if module == "datasets" and isinstance(dataset, TableLike):
        buffer = io.BytesIO()
        dataset.to_json(buffer, lines=True, force_ascii=False)
        return buffer.getvalue()
    if isinstance(dataset, Mapping):
        raise TypeError("a single record was given: pass a list of records")
    if isinstance(dataset, str | bytes) or not isinstance(dataset, Iterable):
        raise TypeError(
            "a dataset is a path, bytes, a list of records, a pandas DataFrame or a datasets.Dataset, "
            f"not {type(dataset).__name__}"
        )
    lines = []
    for number, record in enumerate(dataset, start=1):
        try:
            lines.append(json.dumps(record, ensure_ascii=False, default=_plain))
        except (TypeError, ValueError) as error:
            raise TypeError(f"record {number} cannot be written as JSON: {error}") from error
    return ("\n".join(lines) + "\n").encode() if lines else b""


def _plain(value: object) -> object:
    """A JSON value for what ``json`` does not know: numpy scalars and arrays, decimals,
    dates; anything else raises ``TypeError``."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
