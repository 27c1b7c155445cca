"""On-disk cache of trimmed embedding matrices, so a second build never reads the big source.

Two kinds of entry live in the cache folder:

- `sources/<id>.json`: what is known of one source file, keyed by its identity (resolved path,
  zip member, size, mtime_ns, requested format): its SHA-256 and detected format. Hashing a
  multi-gigabyte file is done once per file version.
- `matrices/<key>.npz`: a built matrix, the per-row lookup status and metadata, keyed by the
  source's SHA-256, member and format, and a hash of the vocabulary and the OOV settings. A copy of
  the same file elsewhere (same SHA-256) reuses the entry.

Every file is written atomically. The cache is best effort: an unwritable folder or a corrupt
entry only costs a warning and a rebuild.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

from textcnn_embeddings._files import atomic_path, sha256_of_text
from textcnn_embeddings.sources import Source, describe_error
from textcnn.errors import TextcnnError

CACHE_VERSION = 1
"""Bump when the cached content or its meaning changes; older entries are then ignored."""


def default_cache_dir() -> Path:
    """Returns `$TEXTCNN_CACHE_DIR/embeddings`, else `~/.cache/textcnn/embeddings`."""
    root = os.environ.get("TEXTCNN_CACHE_DIR")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "textcnn") / "embeddings"


@dataclasses.dataclass
class CachedMatrix:
    """A cached build: the matrix, the lookup status of each row, and metadata (a JSON object)."""

    matrix: np.ndarray
    status: np.ndarray
    meta: dict


class MatrixCache:
    """The cache folder.

    Args:
        directory: the folder; None for `default_cache_dir()`. Created on first write.

    Example:

    >>> cache = MatrixCache(tmp_path)                           # doctest: +SKIP
    >>> cache.source_record(resolve_source("wiki.en.vec"))       # doctest: +SKIP
    None
    """

    def __init__(self, directory: str | os.PathLike | None = None):
        if directory is None:
            self.directory = default_cache_dir()
        else:
            self.directory = Path(directory).expanduser()

    def source_record(self, source: Source) -> dict | None:
        """Returns the record (`sha256`, `format`) of this version of the source, or None."""
        identity = source_identity(source)
        record = self._read_json(self._source_path(identity))
        if record is None or record.get("identity") != identity:
            return None
        return record

    def remember_source(self, source: Source, *, sha256: str, format: str) -> None:
        """Stores the SHA-256 and detected format of this version of the source."""
        identity = source_identity(source)
        record = {"identity": identity, "sha256": sha256, "format": format}
        self._write(
            self._source_path(identity), lambda file: file.write(json.dumps(record).encode())
        )

    def load(self, key: str) -> CachedMatrix | None:
        """Returns the matrix cached under `key`, or None."""
        path = self._matrix_path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                meta = json.loads(str(stored["meta"]))
                return CachedMatrix(stored["matrix"], stored["status"], meta)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            _warn(f"Ignoring the unreadable cache entry {path}: {describe_error(error)}")
            return None

    def save(self, key: str, matrix: np.ndarray, status: np.ndarray, meta: dict) -> None:
        """Caches a matrix under `key`."""
        self._write(
            self._matrix_path(key),
            lambda file: np.savez(
                file, matrix=matrix, status=status, meta=np.array(json.dumps(meta))
            ),
        )

    def _source_path(self, identity: dict) -> Path:
        return self.directory / "sources" / f"{key_of(identity)}.json"

    def _matrix_path(self, key: str) -> Path:
        return self.directory / "matrices" / f"{key}.npz"

    def _read_json(self, path: Path) -> dict | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError) as error:
            _warn(f"Ignoring the unreadable cache entry {path}: {describe_error(error)}")
            return None

    def _write(self, path: Path, write) -> None:
        try:
            with atomic_path(path) as partial, open(partial, "wb") as file:
                write(file)
        except OSError as error:
            _warn(f"Could not write the embeddings cache {path}: {describe_error(error)}")


def source_identity(source: Source) -> dict:
    """Returns what identifies one version of a source without reading it: paths, sizes, mtimes."""
    files = []
    for path in source.files:
        try:
            stat = path.stat()
        except OSError as error:
            raise TextcnnError(f"Could not read {source.name}: {describe_error(error)}") from error
        files.append([str(path), stat.st_size, stat.st_mtime_ns])
    return {"files": files, "member": source.member, "format": source.format}


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=4)


def key_of(parts: dict) -> str:
    """Returns a stable hex key for a JSON-serialisable mapping (and the cache version)."""
    return sha256_of_text(json.dumps({"version": CACHE_VERSION, **parts}, sort_keys=True))
