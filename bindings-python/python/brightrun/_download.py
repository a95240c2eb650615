"""Downloading a model's files, each checked against its sha256."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import IO, BinaryIO

from ._errors import StorageError
from ._types import LocationLocalPath, LocationSignedUrl, ModelDownload

CHUNK = 1 << 20


def _copy(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    """Copies in chunks (Ctrl-C stops between two); returns the size and sha256."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        target.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _open(download: ModelDownload) -> BinaryIO:
    location = download.location
    if isinstance(location, LocationLocalPath):
        return open(location.path, "rb")
    if isinstance(location, LocationSignedUrl):
        response: BinaryIO = urllib.request.urlopen(location.url)  # noqa: S310 (a signed https URL)
        return response
    raise StorageError(f"no way to read {download.name}", "direct_access_unsupported")


def save(downloads: Iterable[ModelDownload], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Writes every file into ``out_dir`` (created); a file is renamed into place only once
    its size and sha256 match the model's record, so ``out_dir`` never holds a bad file.

    Raises:
        StorageError: a file differs from its record (``checksum_mismatch``) or cannot be read.
    """
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    saved = []
    for download in downloads:
        name = Path(download.name).name
        if name != download.name or name in ("", ".", ".."):
            raise StorageError(f"a model file has an unsafe name: {download.name!r}", "invalid_key")
        with tempfile.NamedTemporaryFile(dir=target, prefix=f".{name}.", delete=False) as part:
            try:
                with _open(download) as source:
                    size, sha256 = _copy(source, part)
            except OSError as error:
                os.unlink(part.name)
                raise StorageError(f"cannot read {download.name}: {error}", "download_failed") from error
            except BaseException:
                os.unlink(part.name)
                raise
        if size != download.bytes or sha256 != download.sha256:
            os.unlink(part.name)
            raise StorageError(
                f"{download.name} does not match the model's record: {size} bytes with sha256 {sha256}, "
                f"expected {download.bytes} bytes with sha256 {download.sha256}",
                "checksum_mismatch",
            )
        final = target / name
        shutil.move(part.name, final)
        saved.append(final)
    return saved
