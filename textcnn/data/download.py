"""Fetching a file from a URL (https or file://) into a cache, checked by SHA-256."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from textcnn.errors import TextcnnError


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, destination: Path, sha256: str | None) -> Path:
    """Downloads `url` to `destination` atomically, verifying `sha256` when it is known.

    The file appears at `destination` only once complete and verified; a failed or corrupt
    download leaves nothing behind.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    print(f"textcnn: downloading {url}", file=sys.stderr)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        actual = sha256_of(Path(temporary))
        if sha256 and actual != sha256:
            raise TextcnnError(
                f"Checksum mismatch for {url}: expected sha256 {sha256}, got {actual}"
            )
        if not sha256:
            print(f"textcnn: no checksum is pinned for {url}; its sha256 is {actual}", file=sys.stderr)
        os.replace(temporary, destination)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise TextcnnError(f"Cannot download {url}: {getattr(error, 'reason', error)}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return destination
