"""Small file helpers shared by the package: atomic writes and streamed hashing."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_HASH_CHUNK_BYTES = 1 << 20

GZIP_MAGIC = b"\x1f\x8b"
"""The first two bytes of a gzip stream."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; moves it onto `path` when the block succeeds.

    Readers never see a half-written file: the temporary file lives in the same folder and
    replaces the target with `os.replace`, which is atomic on POSIX and Windows. If the block
    raises, the temporary file is removed and `path` is left as it was.

    Example:

    >>> with atomic_path("matrix.npy") as partial, open(partial, "wb") as file:  # doctest: +SKIP
    ...     np.save(file, matrix)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def sha256_of_file(path: str | os.PathLike) -> str:
    """Returns the hex SHA-256 of a file, read in 1 MiB chunks so memory stays flat."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(_HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of_text(text: str) -> str:
    """Returns the hex SHA-256 of a string's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def starts_with(path: str | os.PathLike, magic: bytes) -> bool:
    """Whether the file at `path` begins with the bytes `magic`."""
    with open(path, "rb") as file:
        return file.read(len(magic)) == magic
