"""A dataset's file as a local path: a path as given, a binary file object copied first."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ._errors import InvalidRequestError
from ._records import Records, TableLike, in_memory_bytes, is_in_memory

DatasetFile = str | os.PathLike[str] | BinaryIO | Records | TableLike
"""A dataset: a path, a binary file object (``open(path, "rb")``, ``io.BytesIO``), or the
dataset in memory (records, a pandas ``DataFrame``, a ``datasets.Dataset``)."""


@contextmanager
def local_file(file: DatasetFile, file_name: str | None) -> Iterator[tuple[Path, str]]:
    """The file's path and name; a file object is copied into a temporary file first, and
    a dataset in memory written there as JSON Lines (the upload streams from a file); the
    temporary file is removed at the end."""
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        if not path.is_file():
            raise InvalidRequestError(f"{path} is not a file", "dataset_not_found")
        yield path, file_name or path.name
        return
    if is_in_memory(file):
        name = file_name or "records.jsonl"
        with tempfile.TemporaryDirectory(prefix="brightrun-upload-") as scratch:
            path = Path(scratch) / name
            path.write_bytes(in_memory_bytes(file))
            yield path, name
        return
    if not hasattr(file, "read"):
        raise TypeError(f"a dataset is a path, a binary file object or records, not {type(file).__name__}")
    name = file_name or Path(str(getattr(file, "name", "") or "dataset.jsonl")).name
    with tempfile.TemporaryDirectory(prefix="brightrun-upload-") as scratch:
        path = Path(scratch) / name
        with open(path, "wb") as copy:
            try:
                shutil.copyfileobj(file, copy)
            except TypeError as error:
                raise TypeError("open the dataset in binary mode ('rb')") from error
        yield path, name
