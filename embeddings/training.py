"""`train`: word2vec or fastText vectors trained with gensim on a corpus, saved as a source."""

from __future__ import annotations

import gzip
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from gensim.models import FastText, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from textcnn_embeddings._files import GZIP_MAGIC, atomic_path, starts_with
from textcnn_embeddings.sources import describe_error
from textcnn.errors import TextcnnError

from textcnn_embeddings.options import ALGORITHMS  # noqa: E402
"""The algorithms `train` runs."""

class Corpus:
    """The corpus as a restartable iterable of token lists, one per non-empty line.

    Files are read lazily on every pass (gensim makes one pass for the vocabulary and one per
    epoch); tokens are split on whitespace. Gzip-compressed files are read transparently.

    Args:
        files: the corpus files.
        lowercase: lower-case every token.

    Example:

    >>> next(iter(Corpus(["corpus.txt"], lowercase=True)))   # doctest: +SKIP
    ['the', 'movie', 'was', 'great']
    """

    def __init__(self, files: Sequence[str | os.PathLike], *, lowercase: bool = False):
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        self.files = [Path(path) for path in files]
        self.lowercase = lowercase
        if not self.files:
            raise TextcnnError("`corpus_files` must name at least one file. Received: []")
        for path in self.files:
            if not path.is_file():
                raise TextcnnError(f"Corpus file not found: {path}")

    def __iter__(self) -> Iterator[list[str]]:
        for path in self.files:
            try:
                with _open_text(path) as lines:
                    for line in lines:
                        tokens = (line.lower() if self.lowercase else line).split()
                        if tokens:
                            yield tokens
            except (OSError, EOFError) as error:
                raise TextcnnError(f"Could not read {path}: {describe_error(error)}") from error


class EpochProgress(CallbackAny2Vec):
    """A gensim callback that prints one line per finished epoch to a stream (stderr by default)."""

    def __init__(self, epochs: int, stream: TextIO | None = None, label: str = "train"):
        self.epochs = epochs
        self.stream = stream
        self.label = label
        self.epoch = 0
        self._started = 0.0

    def on_epoch_begin(self, model) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, model) -> None:
        self.epoch += 1
        seconds = time.perf_counter() - self._started
        print(
            f"{self.label}: epoch {self.epoch}/{self.epochs} done in {seconds:.1f}s",
            file=self.stream or sys.stderr,
            flush=True,
        )


def train(
    corpus_files: Sequence[str | os.PathLike],
    *,
    algorithm: str = "word2vec",
    dim: int = 100,
    sg: int = 1,
    window: int = 5,
    min_count: int = 5,
    epochs: int = 5,
    workers: int = 2,
    seed: int = 0,
    lowercase: bool = False,
    progress: bool = True,
    output: str | os.PathLike,
) -> Path:
    """Trains word vectors on a corpus with gensim and saves them as a source for `build_matrix`.

    The output's suffix picks the file format: `.bin` gives word2vec binary for `word2vec`, and
    a full fastText model (with its character n-grams, so unseen words get vectors) for
    `fasttext`; any other suffix gives word2vec text. The file is written atomically.

    Args:
        corpus_files: text files, one sentence or document per line, tokens split on whitespace.
        algorithm: `"word2vec"` or `"fasttext"`.
        dim: vector dimension.
        sg: 1 for skip-gram, 0 for CBOW.
        window: maximum distance between a word and its context words.
        min_count: ignore words rarer than this.
        epochs: passes over the corpus.
        workers: training threads. Results are reproducible only with `workers=1` and a fixed
            `PYTHONHASHSEED`.
        seed: random seed.
        lowercase: lower-case tokens before training.
        progress: print one line per epoch to stderr.
        output: where to save the vectors.

    Returns:
        The path written.

    Raises:
        TextcnnError: bad arguments, a missing corpus file, or no word reaching `min_count`.

    Example:

    >>> train(["corpus.txt"], algorithm="fasttext", dim=50, output="vectors.bin")  # doctest: +SKIP
    PosixPath('vectors.bin')
    """
    _check_arguments(algorithm, dim, sg, window, min_count, epochs, workers, seed)
    corpus = Corpus(corpus_files, lowercase=lowercase)
    output = Path(output)
    model_class = Word2Vec if algorithm == "word2vec" else FastText
    model = model_class(
        vector_size=dim, sg=sg, window=window, min_count=min_count, workers=workers, seed=seed
    )
    model.build_vocab(corpus_iterable=corpus)
    if not len(model.wv):
        raise TextcnnError(
            f"No word occurs at least min_count={min_count} times in the corpus; lower `min_count`."
        )
    if progress:
        summary = f"{algorithm}: {len(model.wv):,} words, {model.corpus_count:,} lines"
        print(summary, file=sys.stderr)
    callbacks = [EpochProgress(epochs, label=algorithm)] if progress else []
    model.train(
        corpus_iterable=corpus,
        total_examples=model.corpus_count,
        epochs=epochs,
        callbacks=callbacks,
    )
    try:
        with atomic_path(output) as partial:
            if output.suffix == ".bin" and algorithm == "fasttext":
                from gensim.models.fasttext import save_facebook_model

                save_facebook_model(model, str(partial))
            else:
                model.wv.save_word2vec_format(str(partial), binary=output.suffix == ".bin")
    except OSError as error:
        raise TextcnnError(f"Could not write {output}: {describe_error(error)}") from error
    return output


def _check_arguments(
    algorithm: str,
    dim: int,
    sg: int,
    window: int,
    min_count: int,
    epochs: int,
    workers: int,
    seed: int,
) -> None:
    if algorithm not in ALGORITHMS:
        raise TextcnnError(
            f"`algorithm` must be one of {', '.join(ALGORITHMS)}. Received: algorithm={algorithm!r}"
        )
    if sg not in (0, 1) or isinstance(sg, bool):
        raise TextcnnError(f"`sg` must be 1 (skip-gram) or 0 (CBOW). Received: sg={sg!r}")
    for name, value, least in (
        ("dim", dim, 1),
        ("window", window, 1),
        ("min_count", min_count, 1),
        ("epochs", epochs, 1),
        ("workers", workers, 1),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            kind = "a positive" if least else "a non-negative"
            raise TextcnnError(f"`{name}` must be {kind} integer. Received: {name}={value!r}")


def _open_text(path: Path) -> TextIO:
    if starts_with(path, GZIP_MAGIC):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")
