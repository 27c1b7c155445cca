"""Reading vectors from a resolved source, keeping only the words asked for.

Text and word2vec-binary files are streamed: one pass, one line (or record) at a time, and only
the rows of wanted words are parsed and kept, so memory grows with the wanted vocabulary, not with
the file. `.kv` files are memory-mapped, the `kumo` matrix is read at the wanted rows only (its
parquet index is scanned in batches),
and fastText `.bin` models are loaded whole by gensim (their n-gram buckets are needed for unseen
words).
"""

from __future__ import annotations

import codecs
import dataclasses
import warnings
from collections.abc import Callable, Collection, Iterator

import numpy as np
from gensim.models import KeyedVectors

from textcnn_embeddings.sources import (
    STREAMED_FORMATS,
    Source,
    describe_error,
    open_binary,
    read_errors,
    require_plain_file,
)
from textcnn.errors import TextcnnError

_CHUNK_ROWS = 4096
_BINARY_READ_BYTES = 1 << 20
_INDEX_BATCH_ROWS = 1 << 16
_MAX_WORD_BYTES = 1 << 16
_FLOAT32_LE = np.dtype("<f4")


@dataclasses.dataclass
class Rows:
    """The vectors read from a source for the wanted words it holds.

    Args:
        words: the words found, in the source's order.
        vectors: float32 array of shape `(len(words), dim)`.
        vocab_size: how many words the source holds in all.
        subword: for fastText models, a function giving a vector for any word; else None.
    """

    words: list[str]
    vectors: np.ndarray
    vocab_size: int
    subword: Callable[[str], np.ndarray] | None = None

    @property
    def dim(self) -> int:
        """The vector dimension."""
        return int(self.vectors.shape[1])


def read_rows(source: Source, wanted: Collection[str] | None = None) -> Rows:
    """Reads the rows of `wanted` words (all words when None) from a source of known format.

    Args:
        source: a `Source` whose `format` is set (see `detect_format`).
        wanted: the words to keep, or None for every word.

    Returns:
        The `Rows` found. Words of `wanted` that the source lacks are simply absent.

    Raises:
        TextcnnError: the file is malformed (bad header, ragged rows, non-numeric or non-finite
            values, no vectors) or unreadable.

    Example:

    >>> source = resolve_source("wiki.en.vec", format="fasttext-vec")   # doctest: +SKIP
    >>> read_rows(source, {"the", "of"}).words                           # doctest: +SKIP
    ['the', 'of']
    """
    if source.format in STREAMED_FORMATS:
        wanted_bytes = None if wanted is None else {word.encode("utf-8") for word in wanted}
        if source.format == "word2vec-binary":
            return _stream_binary(source, wanted_bytes)
        return _stream_text(source, wanted_bytes, has_header=source.format != "glove-text")
    if source.format == "kumo" and wanted is not None:
        return _kumo_rows(source, wanted)
    keyed, vocab_size = read_keyed_vectors(source)
    subword = keyed.get_vector if source.format == "fasttext-bin" else None
    if wanted is None:
        vectors = np.asarray(keyed.vectors, np.float32)
        return Rows(list(keyed.index_to_key), vectors, vocab_size, subword)
    rows = sorted({keyed.key_to_index[word] for word in wanted if word in keyed.key_to_index})
    words = [keyed.index_to_key[row] for row in rows]
    vectors = np.asarray(keyed.vectors[rows], np.float32).reshape(len(rows), keyed.vector_size)
    return Rows(words, vectors, vocab_size, subword)


def read_keyed_vectors(source: Source) -> tuple[KeyedVectors, int]:
    """Reads a whole source into gensim `KeyedVectors` (memory-mapped where the format allows).

    This is the inspection path (`embeddings.load`): streamed formats are read in full.

    Args:
        source: a `Source` whose `format` is set.

    Returns:
        The keyed vectors and the number of words the source holds.

    Raises:
        TextcnnError: the file is malformed or unreadable.
    """
    if source.format in STREAMED_FORMATS:
        rows = read_rows(source)
        return keyed_vectors(rows.words, rows.vectors), rows.vocab_size
    if source.format == "kv":
        keyed = _load_gensim(source, lambda path: KeyedVectors.load(path, mmap="r"))
        keyed = getattr(keyed, "wv", keyed)
        if not isinstance(keyed, KeyedVectors):
            raise TextcnnError(
                f"{source.name} is a gensim {type(keyed).__name__}, not KeyedVectors or a "
                "model holding them."
            )
        return keyed, len(keyed.index_to_key)
    if source.format == "fasttext-bin":
        from gensim.models.fasttext import load_facebook_vectors

        keyed = _load_gensim(source, load_facebook_vectors)
        return keyed, len(keyed.index_to_key)
    if source.format == "kumo":
        words = _kumo_words(source)
        return keyed_vectors(words, _kumo_matrix(source, len(words))), len(words)
    raise AssertionError(f"unhandled format {source.format!r}")


def keyed_vectors(words: list[str], vectors: np.ndarray) -> KeyedVectors:
    """Wraps words and their vectors (not copied) as gensim `KeyedVectors`."""
    keyed = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    keyed.index_to_key = list(words)
    keyed.key_to_index = {word: row for row, word in enumerate(keyed.index_to_key)}
    keyed.vectors = vectors
    keyed.next_index = len(words)
    return keyed


class _Collector:
    """Gathers rows in fixed-size float32 chunks; the first occurrence of a word wins."""

    def __init__(self, source: Source, dim: int, keep_undecodable: bool):
        self._source = source
        self._dim = dim
        self._errors = "replace" if keep_undecodable else "strict"
        self._words: list[str] = []
        self._seen: set[bytes] = set()
        self._chunks: list[np.ndarray] = []
        self._filled = _CHUNK_ROWS

    def next_row(self, word: bytes) -> np.ndarray | None:
        """Returns the row to fill for `word`, or None when the word was already read."""
        if word in self._seen:
            return None
        self._seen.add(word)
        self._words.append(word.decode("utf-8", self._errors))
        if self._filled == _CHUNK_ROWS:
            self._chunks.append(np.empty((_CHUNK_ROWS, self._dim), dtype=np.float32))
            self._filled = 0
        self._filled += 1
        return self._chunks[-1][self._filled - 1]

    def finish(self, vocab_size: int) -> Rows:
        if self._chunks:
            self._chunks[-1] = self._chunks[-1][: self._filled]
        if not self._chunks:
            self._chunks = [np.empty((0, self._dim), np.float32)]
        vectors = np.concatenate(self._chunks)
        self._chunks = []
        bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
        if bad.size:
            raise TextcnnError(
                f"{self._source.name}: the vector of {self._words[bad[0]]!r} has a "
                "non-finite value."
            )
        return Rows(self._words, vectors, vocab_size)


def _parse_header(line: bytes, source: Source) -> tuple[int, int]:
    fields = line.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):
        shown = line.strip()[:60].decode("utf-8", "replace")
        raise TextcnnError(
            f"{source.name}: line 1 must be a '<count> <dimension>' header. Received: {shown!r}"
        )
    count, dim = int(fields[0]), int(fields[1])
    if dim < 1:
        raise TextcnnError(
            f"{source.name}: the header's dimension must be positive. Received: {dim}"
        )
    return count, dim


def _stream_text(source: Source, wanted: set[bytes] | None, has_header: bool) -> Rows:
    count, dim, origin = None, None, "the header"
    total = 0
    collector = None
    with open_binary(source) as stream:
        lines = enumerate(stream, start=1)
        if has_header:
            header = next(lines, (1, b""))[1].removeprefix(codecs.BOM_UTF8)
            count, dim = _parse_header(header, source)
        for number, raw in lines:
            line = raw.removeprefix(codecs.BOM_UTF8).rstrip() if number == 1 else raw.rstrip()
            if not line:
                continue
            if dim is None:
                dim, origin = line.count(b" "), f"line {number}"
                if dim < 1:
                    raise TextcnnError(f"{source.name}: line {number} holds a word but no values.")
            if collector is None:
                collector = _Collector(source, dim, keep_undecodable=wanted is None)
            word, values = _split_text_line(line, dim, number, source, origin, strict=has_header)
            total += 1
            if wanted is not None and word not in wanted:
                continue
            row = collector.next_row(word)
            if row is not None:
                _fill_row(row, values, number, source)
    if not total:
        raise TextcnnError(f"{source.name} holds no vectors.")
    _check_count(source, count, total)
    return collector.finish(total)


def _split_text_line(
    line: bytes, dim: int, number: int, source: Source, origin: str, strict: bool
) -> tuple[bytes, bytes]:
    spaces = line.count(b" ")
    if spaces == dim:
        word, _, values = line.partition(b" ")
        return word, values
    if spaces > dim:
        word = line.rsplit(b" ", dim)[0]
        values = line[len(word) + 1 :]
        # GloVe's Common Crawl files hold a few words with spaces (". . ."); headed formats don't.
        if not strict and not _is_number(word.rsplit(b" ", 1)[1]):
            return word, values
    raise TextcnnError(
        f"{source.name}: line {number} has {spaces} values; expected {dim} (from {origin})."
    )


def _fill_row(row: np.ndarray, values: bytes, number: int, source: Source) -> None:
    fields = values.split(b" ")
    try:
        row[:] = fields
    except ValueError:
        bad = next(field for field in fields if not _is_number(field))
        shown = bad[:40].decode("utf-8", "replace")
        raise TextcnnError(
            f"{source.name}: line {number} has a value that is not a number: {shown!r}"
        ) from None


def _is_number(field: bytes) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _check_count(source: Source, count: int | None, total: int) -> None:
    if count is not None and count != total:
        warnings.warn(
            f"{source.name}: the header says {count} words but the file holds {total}; "
            f"using the {total} read.",
            UserWarning,
            stacklevel=4,
        )


def _stream_binary(source: Source, wanted: set[bytes] | None) -> Rows:
    total = 0
    with open_binary(source) as stream:
        count, dim = _parse_header(stream.readline(), source)
        collector = _Collector(source, dim, keep_undecodable=wanted is None)
        record = dim * _FLOAT32_LE.itemsize
        buffer, start, ended = b"", 0, False
        while True:
            space = buffer.find(b" ", start)
            if space < 0 or len(buffer) - space - 1 < record:
                if ended:
                    break
                if space < 0 and len(buffer) - start > _MAX_WORD_BYTES:
                    raise TextcnnError(
                        f"{source.name}: no word separator after record {total}; the file is not "
                        "word2vec binary."
                    )
                chunk = stream.read(_BINARY_READ_BYTES)
                buffer, start, ended = buffer[start:] + chunk, 0, not chunk
                continue
            word = buffer[start:space].lstrip(b"\n")
            values = buffer[space + 1 : space + 1 + record]
            start = space + 1 + record
            total += 1
            if wanted is not None and word not in wanted:
                continue
            row = collector.next_row(word)
            if row is not None:
                row[:] = np.frombuffer(values, dtype=_FLOAT32_LE)
    if buffer[start:].strip():
        raise TextcnnError(
            f"{source.name}: the file ends inside record {total + 1}; it is truncated or the "
            f"header's dimension ({dim}) is wrong."
        )
    if not total:
        raise TextcnnError(f"{source.name} holds no vectors.")
    _check_count(source, count, total)
    return collector.finish(total)


def _load_gensim(source: Source, loader: Callable[[str], object]):
    require_plain_file(source, source.format)
    try:
        return loader(str(source.path))
    except Exception as error:  # gensim raises many types on a corrupt file; all mean bad input.
        raise TextcnnError(
            f"Could not read {source.name} as {source.format}: {describe_error(error)}"
        ) from error


def _kumo_batches(source: Source) -> Iterator:
    """Yields a `kumo` index's words in Arrow batches, never decoding the whole column at once."""
    if source.index_path is None:
        raise TextcnnError(
            f"{source.name}: the kumo format is only for named sources such as glove-6b-50d."
        )
    import pyarrow.parquet as parquet

    with read_errors(source):
        try:
            index = parquet.ParquetFile(source.index_path)
            columns = len(index.schema_arrow.names)
            if columns != 1:
                raise TextcnnError(
                    f"{source.index_path} must have one column of words; it has {columns}."
                )
            for batch in index.iter_batches(batch_size=_INDEX_BATCH_ROWS, use_threads=False):
                yield batch.column(0)
        except TextcnnError:
            raise
        except Exception as error:  # pyarrow's ArrowInvalid and kin for a corrupt file
            message = f"Could not read {source.index_path}: {describe_error(error)}"
            raise TextcnnError(message) from error


def _kumo_matrix(source: Source, rows: int) -> np.ndarray:
    with read_errors(source):
        try:
            matrix = np.load(source.path, mmap_mode="r")
        except ValueError as error:
            raise TextcnnError(f"Could not read {source.path}: {describe_error(error)}") from error
    if matrix.ndim != 2 or matrix.dtype.kind != "f":
        raise TextcnnError(
            f"{source.path} must hold a 2-D float matrix. "
            f"Received: shape={matrix.shape}, dtype={matrix.dtype}"
        )
    if matrix.shape[0] != rows:
        raise TextcnnError(
            f"{source.name}: the index lists {rows} words but the matrix has "
            f"{matrix.shape[0]} rows."
        )
    return matrix


def _kumo_words(source: Source) -> list[str]:
    return [word for batch in _kumo_batches(source) for word in batch.to_pylist()]


def _kumo_rows(source: Source, wanted: Collection[str]) -> Rows:
    import pyarrow as arrow
    import pyarrow.compute as compute

    value_set = arrow.array(sorted(wanted), type=arrow.string())
    rows, words, first_row = [], {}, 0
    for batch in _kumo_batches(source):
        found = compute.is_in(batch, value_set=value_set).to_numpy(zero_copy_only=False)
        hits = np.flatnonzero(found)
        for row, word in zip(hits.tolist(), batch.take(arrow.array(hits)).to_pylist()):
            if word not in words:
                words[word] = len(rows)
                rows.append(first_row + row)
        first_row += len(batch)
    matrix = _kumo_matrix(source, first_row)
    vectors = _read_matrix_rows(source, matrix, np.asarray(rows, dtype=np.int64))
    return Rows(list(words), vectors, first_row)


def _read_matrix_rows(source: Source, matrix: np.memmap, rows: np.ndarray) -> np.ndarray:
    """Reads some rows of a memory-mapped `.npy` with positioned reads, so that only they become
    resident: touching them through the map pages in most of the file for a spread-out
    vocabulary."""
    count, dim = matrix.shape
    item = matrix.dtype.itemsize
    out = np.empty((len(rows), dim), dtype=matrix.dtype)
    with read_errors(source), open(source.path, "rb", buffering=0) as file:
        if matrix.flags.c_contiguous:
            starts = np.flatnonzero(np.diff(rows, prepend=-2) != 1)
            for start, stop in zip(starts.tolist(), [*starts[1:].tolist(), len(rows)]):
                position = matrix.offset + int(rows[start]) * dim * item
                _read_exactly(file, position, out[start:stop], source)
        else:  # Fortran order: each column is contiguous; read one at a time
            column = np.empty(count, dtype=matrix.dtype)
            for index in range(dim):
                _read_exactly(file, matrix.offset + index * count * item, column, source)
                out[:, index] = column[rows]
    return out.astype(np.float32, copy=False)


def _read_exactly(file, position: int, target: np.ndarray, source: Source) -> None:
    file.seek(position)
    view = memoryview(target).cast("B")
    if file.readinto(view) != len(view):
        raise TextcnnError(f"{source.path} is shorter than its header says.")
