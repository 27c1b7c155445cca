"""`load`: open a vector source whole, for inspection (dimension, size, neighbours)."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
from gensim.models import KeyedVectors

from textcnn_embeddings.readers import read_keyed_vectors
from textcnn_embeddings.sources import Source, detect_format, resolve_source
from textcnn.errors import TextcnnError


class Vectors:
    """Pretrained word vectors loaded from a source.

    Args:
        keyed_vectors: the gensim `KeyedVectors` holding them (memory-mapped for `.kv` and `kumo`).
        source: the resolved `Source`, with its format set.
        vocab_size: how many words the source holds.

    Example:

    >>> vectors = load("/work/shared/data/vectors/wiki.en.vec")   # doctest: +SKIP
    >>> vectors.dim, vectors.vocab_size, "the" in vectors          # doctest: +SKIP
    (300, 99, True)
    """

    def __init__(self, keyed_vectors: KeyedVectors, *, source: Source, vocab_size: int):
        self.keyed_vectors = keyed_vectors
        self.source = source
        self.vocab_size = vocab_size

    @property
    def name(self) -> str:
        """The source as the user gave it."""
        return self.source.name

    @property
    def format(self) -> str:
        """The source's format, one of `embeddings.FORMATS`."""
        return self.source.format

    @property
    def dim(self) -> int:
        """The vector dimension."""
        return int(self.keyed_vectors.vector_size)

    @property
    def subwords(self) -> bool:
        """Whether vectors for unseen words come from character n-grams (fastText `.bin`)."""
        return self.source.format == "fasttext-bin"

    def __contains__(self, word: object) -> bool:
        """Whether `word` is in the source's vocabulary (subword vectors do not count)."""
        return isinstance(word, str) and word in self.keyed_vectors.key_to_index

    def get(self, word: str, default: np.ndarray | None = None) -> np.ndarray | None:
        """Returns the float32 vector of `word`, else `default`.

        For fastText `.bin` sources every word has a vector, built from its character n-grams.
        """
        if word in self or (self.subwords and isinstance(word, str)):
            return np.array(self.keyed_vectors.get_vector(word), dtype=np.float32)
        return default

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """Returns the `topn` nearest words to `word` by cosine similarity, nearest first.

        Raises:
            TextcnnError: `topn` is not positive, or `word` has no vector.
        """
        if not isinstance(topn, int) or topn < 1:
            raise TextcnnError(f"`topn` must be a positive integer. Received: topn={topn!r}")
        if self.get(word) is None:
            raise TextcnnError(f"{word!r} is not in {self.name}.")
        neighbours = self.keyed_vectors.most_similar(word, topn=topn)
        return [(str(other), float(similarity)) for other, similarity in neighbours]

    def __repr__(self) -> str:
        return (
            f"Vectors(name={self.name!r}, format={self.format!r}, dim={self.dim}, "
            f"vocab_size={self.vocab_size})"
        )


def load(source: str | os.PathLike | Source, *, format: str | None = None) -> Vectors:
    """Loads a vector source whole, for inspection.

    Text formats are read in full into memory here; to build an embedding matrix for a model use
    `build_matrix`, which keeps only the rows the vocabulary needs.

    Args:
        source: a vector file, `archive.zip:member.txt`, or a named source (`"glove-6b-50d"`).
        format: one of `embeddings.FORMATS` to skip detection, or None to detect it.

    Returns:
        The `Vectors`.

    Raises:
        TextcnnError: the source is missing, in an unknown format, or malformed.

    Example:

    >>> glove = load("glove-6b-50d")                     # doctest: +SKIP
    >>> glove.most_similar("king", topn=1)[0][0]        # doctest: +SKIP
    'prince'
    """
    resolved = resolve_source(source, format=format)
    resolved = dataclasses.replace(resolved, format=detect_format(resolved))
    keyed, vocab_size = read_keyed_vectors(resolved)
    return Vectors(keyed, source=resolved, vocab_size=vocab_size)
