"""`build_matrix`: the embedding matrix of a model's vocabulary, from pretrained vectors.

Row 0 (padding) is zeros; row 1 (the unknown token) is random; every other token gets the
source's vector for the token, else for its lower-cased form, else (Kim 2014) a random vector drawn
uniformly from [-a, a], where `a` makes the random vectors' variance match the pretrained ones'.
fastText `.bin` sources give out-of-vocabulary tokens their character n-gram vector instead.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from textcnn_embeddings._files import atomic_path, sha256_of_file, sha256_of_text
from textcnn_embeddings.cache import MatrixCache, key_of
from textcnn_embeddings.readers import Rows, read_rows
from textcnn_embeddings.sources import Source, describe_error, detect_format, read_errors, resolve_source
from textcnn.errors import TextcnnError

from textcnn_embeddings.options import OOV_INITS  # noqa: E402
"""How rows of words missing from the source start: uniform in [-a, a], or all zeros."""

KIM_OOV_SCALE = 0.25
"""The `a` of Kim's released code, used when too few words are found to measure a variance."""

_PADDING, _UNKNOWN, _EXACT, _LOWERCASE, _SUBWORD, _RANDOM = range(6)
_OOV_EXAMPLES = 10
_BLOCK_ROWS = 4096


@dataclasses.dataclass(frozen=True)
class Coverage:
    """How much of a vocabulary a pretrained source covers. Padding and unknown are not counted.

    Args:
        source: the source as given.
        path: its resolved path (`archive.zip:member` for a zip member).
        format: its format.
        sha256: SHA-256 of the source file (the archive for a zip member, the matrix for `kumo`).
        dim: the vector dimension.
        source_words: how many words the source holds.
        types_total: vocabulary types, less padding and unknown.
        types_found: types with a pretrained vector, exactly or lower-cased.
        types_found_lowercase: of those, the ones found only lower-cased.
        types_subword: types given a fastText character n-gram vector.
        types_oov: types without a pretrained vector (`types_total - types_found`).
        types_found_share: `types_found / types_total`.
        tokens_total: running tokens in `token_counts` (None without counts).
        tokens_found: those whose type has a pretrained vector.
        tokens_found_share: `tokens_found / tokens_total`.
        oov_examples: a few types without a pretrained vector, most frequent first when counts
            are known.
        oov_init: how their rows were initialised.
        oov_scale: the `a` of the uniform [-a, a] initialisation (0.0 with `"zeros"`).
    """

    source: str
    path: str
    format: str
    sha256: str
    dim: int
    source_words: int
    types_total: int
    types_found: int
    types_found_lowercase: int
    types_subword: int
    types_oov: int
    types_found_share: float
    tokens_total: int | None
    tokens_found: int | None
    tokens_found_share: float | None
    oov_examples: tuple[str, ...]
    oov_init: str
    oov_scale: float

    def to_dict(self) -> dict:
        """Returns the coverage as a JSON-serialisable dict."""
        return {**dataclasses.asdict(self), "oov_examples": list(self.oov_examples)}

    def report(self) -> str:
        """Returns a short human-readable report.

        Example:

        >>> print(coverage.report())                                   # doctest: +SKIP
        Embeddings: glove-6b-50d (kumo, 50-d, 400,000 words, sha256 2c4cb0b8a6e4)
        Types: 18,112 of 20,000 found (90.56%), 0 by lower-casing, 1,888 OOV
        """
        lines = [
            f"Embeddings: {self.source} ({self.format}, {self.dim}-d, {self.source_words:,} words, "
            f"sha256 {self.sha256[:12]})",
            f"Types: {self.types_found:,} of {self.types_total:,} found "
            f"({self.types_found_share:.2%}), {self.types_found_lowercase:,} by lower-casing, "
            f"{self.types_oov:,} OOV",
        ]
        if self.tokens_total is not None:
            lines.append(
                f"Tokens: {self.tokens_found:,} of {self.tokens_total:,} found "
                f"({self.tokens_found_share:.2%})"
            )
        if self.types_subword:
            lines.append(f"OOV rows: {self.types_subword:,} from fastText character n-grams")
        if self.oov_init == "uniform":
            lines.append(f"OOV rows: uniform in [-{self.oov_scale:.4g}, {self.oov_scale:.4g}]")
        else:
            lines.append("OOV rows: zeros")
        if self.oov_examples:
            lines.append(f"OOV examples: {', '.join(self.oov_examples)}")
        return "\n".join(lines)


def build_matrix(
    source: str | os.PathLike | Source,
    vocabulary: Sequence[str],
    *,
    token_counts: Mapping[str, int] | None = None,
    oov_init: str = "uniform",
    oov_scale: float | None = None,
    seed: int = 0,
    lowercase_fallback: bool = True,
    cache_dir: str | os.PathLike | None | Literal[False] = None,
    format: str | None = None,
) -> tuple[np.ndarray, Coverage]:
    """Builds the embedding matrix of a vocabulary from pretrained vectors.

    Only the rows the vocabulary needs are read and kept. The result is cached on disk, keyed by
    the source file's identity and SHA-256 and by the vocabulary and OOV settings, so building
    again reads nothing from the source.

    Args:
        source: a vector file, `archive.zip:member.txt`, or a named source (`"glove-6b-50d"`).
        vocabulary: tokens in index order; index 0 is the padding token, index 1 the unknown token.
        token_counts: token counts over the training split, for the share of tokens covered.
            Tokens outside `vocabulary` count as not found.
        oov_init: `"uniform"` (Kim 2014) or `"zeros"`, for tokens the source lacks and row 1.
        oov_scale: the `a` of uniform [-a, a]; None to match the found vectors' variance,
            `a = sqrt(3 * var)` with `var` the mean per-component variance (Kim's code used 0.25).
        seed: seed of the random rows.
        lowercase_fallback: look a token up lower-cased when the exact form is missing.
        cache_dir: cache folder; None for `$TEXTCNN_CACHE_DIR/embeddings` (else
            `~/.cache/textcnn/embeddings`); False to neither read nor write a cache.
        format: one of `embeddings.FORMATS` to skip detection, or None.

    Returns:
        `(matrix, coverage)`: a float32 array of shape `(len(vocabulary), dim)` and a `Coverage`.

    Raises:
        TextcnnError: bad arguments, or a source that is missing, unknown or malformed.

    Example:

    >>> matrix, coverage = build_matrix("glove-6b-50d", ["<pad>", "<unk>", "the", "qzxv"])
    >>> matrix.shape, coverage.types_found, coverage.types_oov
    ((4, 50), 1, 1)
    """
    vocabulary = _check_vocabulary(vocabulary)
    _check_options(oov_init, oov_scale, seed, token_counts)
    requested = resolve_source(source, format=format)
    cache = None if cache_dir is False else MatrixCache(cache_dir)
    settings = {
        "vocabulary": sha256_of_text(json.dumps(vocabulary)),
        "oov_init": oov_init,
        "oov_scale": oov_scale,
        "seed": seed,
        "lowercase_fallback": lowercase_fallback,
    }
    record = cache.source_record(requested) if cache else None
    if record is None:
        detected_format = detect_format(requested)
        with read_errors(requested):
            record = {"sha256": sha256_of_file(requested.path), "format": detected_format}
        if cache:
            cache.remember_source(requested, sha256=record["sha256"], format=detected_format)
    key = _matrix_key(requested, record, settings)
    hit = cache.load(key) if cache else None
    if hit is not None and hit.matrix.shape[0] == len(vocabulary):
        coverage = _coverage(requested, hit.meta, vocabulary, hit.status, token_counts, oov_init)
        return hit.matrix, coverage
    detected = dataclasses.replace(requested, format=record["format"])
    rows = read_rows(detected, _wanted(vocabulary, lowercase_fallback))
    matrix, status, scale = _assemble(
        rows, vocabulary, oov_init, oov_scale, seed, lowercase_fallback
    )
    meta = {
        "sha256": record["sha256"],
        "format": record["format"],
        "dim": rows.dim,
        "source_words": rows.vocab_size,
        "oov_scale": scale,
    }
    if cache:
        cache.save(key, matrix, status, meta)
    return matrix, _coverage(requested, meta, vocabulary, status, token_counts, oov_init)


def write_matrix(
    source: str | os.PathLike | Source,
    vocabulary: Sequence[str],
    output: str | os.PathLike,
    **options,
) -> Coverage:
    """Builds the matrix and writes it as `.npy`, with its coverage as JSON beside it.

    Args:
        source: as for `build_matrix`.
        vocabulary: as for `build_matrix`.
        output: the `.npy` path; the coverage goes to `coverage_path(output)`.
        **options: the keyword arguments of `build_matrix`.

    Returns:
        The `Coverage`.

    Example:

    >>> write_matrix("glove-6b-50d", vocabulary, "runs/mr/embeddings.npy")   # doctest: +SKIP
    """
    matrix, coverage = build_matrix(source, vocabulary, **options)
    output = Path(output)
    try:
        with atomic_path(output) as partial, open(partial, "wb") as file:
            np.save(file, matrix)
        with atomic_path(coverage_path(output)) as partial:
            partial.write_text(json.dumps(coverage.to_dict(), indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise TextcnnError(f"Could not write {output}: {describe_error(error)}") from error
    return coverage


def coverage_path(output: str | os.PathLike) -> Path:
    """Where `write_matrix` puts the coverage: `matrix.npy` -> `matrix.coverage.json`."""
    output = Path(output)
    return output.with_name(f"{output.stem}.coverage.json")


def _check_vocabulary(vocabulary: Iterable[str]) -> list[str]:
    if isinstance(vocabulary, (str, bytes, Mapping)) or not isinstance(vocabulary, Iterable):
        raise TextcnnError(
            f"`vocabulary` must be a sequence of tokens. Received: {type(vocabulary).__name__}"
        )
    vocabulary = list(vocabulary)
    if len(vocabulary) < 2:
        raise TextcnnError(
            "`vocabulary` must start with the padding and unknown tokens. "
            f"Received: {len(vocabulary)} token(s)"
        )
    seen = set()
    for token in vocabulary:
        if not isinstance(token, str):
            raise TextcnnError(f"`vocabulary` tokens must be strings. Received: {token!r}")
        if token in seen:
            raise TextcnnError(f"`vocabulary` must not repeat a token. Received: {token!r} twice")
        seen.add(token)
    return vocabulary


def _check_options(oov_init: str, oov_scale: float | None, seed: int, token_counts) -> None:
    if oov_init not in OOV_INITS:
        raise TextcnnError(
            f"`oov_init` must be one of {', '.join(OOV_INITS)}. Received: oov_init={oov_init!r}"
        )
    if oov_scale is not None:
        if isinstance(oov_scale, bool) or not isinstance(oov_scale, (int, float)):
            raise TextcnnError(f"`oov_scale` must be a number. Received: oov_scale={oov_scale!r}")
        if not (math.isfinite(oov_scale) and oov_scale > 0):
            raise TextcnnError(f"`oov_scale` must be positive. Received: oov_scale={oov_scale}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TextcnnError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")
    if token_counts is not None and not isinstance(token_counts, Mapping):
        raise TextcnnError(
            f"`token_counts` must map tokens to counts. Received: {type(token_counts).__name__}"
        )


def _matrix_key(requested: Source, record: dict, settings: dict) -> str:
    source = {"sha256": record["sha256"], "member": requested.member, "format": record["format"]}
    return key_of({**source, **settings})


def _wanted(vocabulary: list[str], lowercase_fallback: bool) -> set[str]:
    wanted = set(vocabulary[2:])
    if lowercase_fallback:
        wanted.update(token.lower() for token in vocabulary[2:])
    return wanted


def _assemble(
    rows: Rows,
    vocabulary: list[str],
    oov_init: str,
    oov_scale: float | None,
    seed: int,
    lowercase_fallback: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Returns the matrix, each row's lookup status, and the OOV scale used."""
    position = {word: row for row, word in enumerate(rows.words)}
    matrix = np.zeros((len(vocabulary), rows.dim), dtype=np.float32)
    status = np.full(len(vocabulary), _RANDOM, dtype=np.uint8)
    status[:2] = (_PADDING, _UNKNOWN)
    targets, sources = [], []
    for index in range(2, len(vocabulary)):
        token = vocabulary[index]
        row = position.get(token)
        if row is None and lowercase_fallback:
            row = position.get(token.lower())
            status[index] = _LOWERCASE if row is not None else _RANDOM
        else:
            status[index] = _EXACT if row is not None else _RANDOM
        if row is not None:
            targets.append(index)
            sources.append(row)
    for start in range(0, len(targets), _BLOCK_ROWS):  # in blocks: no full-size temporary copy
        block = slice(start, start + _BLOCK_ROWS)
        matrix[targets[block]] = rows.vectors[sources[block]]
    if oov_init == "zeros":
        scale = 0.0
    else:
        scale = float(oov_scale) if oov_scale is not None else _matching_scale(matrix, targets)
    if rows.subword is not None:
        for index in np.flatnonzero(status == _RANDOM):
            try:
                matrix[index] = rows.subword(vocabulary[index])
            except KeyError:  # a model trained without n-gram buckets
                continue
            status[index] = _SUBWORD
    random_rows = np.flatnonzero((status == _RANDOM) | (status == _UNKNOWN))
    if oov_init == "uniform":
        generator = np.random.default_rng(seed)
        values = generator.random((len(random_rows), rows.dim), dtype=np.float32)
        values *= 2 * scale
        values -= scale
        matrix[random_rows] = values
    return matrix, status, scale


def _matching_scale(matrix: np.ndarray, found: list[int]) -> float:
    """The `a` for which uniform [-a, a] has the found rows' mean per-component variance.

    Computed in float64 over blocks of rows, so no full-size temporary is made.
    """
    variance = 0.0
    if len(found) >= 2:
        blocks = [found[start : start + _BLOCK_ROWS] for start in range(0, len(found), _BLOCK_ROWS)]
        mean = sum(matrix[block].sum(axis=0, dtype=np.float64) for block in blocks) / len(found)
        squares = sum(np.square(matrix[block] - mean).sum(axis=0) for block in blocks)
        variance = float(np.mean(squares / len(found)))
    if variance <= 0:
        warnings.warn(
            f"Cannot measure the variance of {len(found)} found vector(s); OOV rows use Kim's "
            f"scale {KIM_OOV_SCALE}.",
            UserWarning,
            stacklevel=3,
        )
        return KIM_OOV_SCALE
    return math.sqrt(3 * variance)


def _coverage(
    source: Source,
    meta: dict,
    vocabulary: list[str],
    status: np.ndarray,
    token_counts: Mapping[str, int] | None,
    oov_init: str,
) -> Coverage:
    types = status[2:]
    counts = np.bincount(types, minlength=_RANDOM + 1)
    found = int(counts[_EXACT] + counts[_LOWERCASE])
    total = len(types)
    oov = [vocabulary[index] for index in np.flatnonzero(status >= _SUBWORD)]
    tokens_total = tokens_found = share = None
    if token_counts is not None:
        reserved = set(vocabulary[:2])
        found_rows = np.flatnonzero((status == _EXACT) | (status == _LOWERCASE))
        found_types = {vocabulary[index] for index in found_rows}
        tokens_total = sum(
            int(count) for token, count in token_counts.items() if token not in reserved
        )
        tokens_found = sum(int(token_counts.get(token, 0)) for token in found_types)
        share = tokens_found / tokens_total if tokens_total else 0.0
        oov.sort(key=lambda token: -token_counts.get(token, 0))
    return Coverage(
        source=source.name,
        path=source.location,
        format=meta["format"],
        sha256=meta["sha256"],
        dim=int(meta["dim"]),
        source_words=int(meta["source_words"]),
        types_total=total,
        types_found=found,
        types_found_lowercase=int(counts[_LOWERCASE]),
        types_subword=int(counts[_SUBWORD]),
        types_oov=total - found,
        types_found_share=found / total if total else 0.0,
        tokens_total=tokens_total,
        tokens_found=tokens_found,
        tokens_found_share=share,
        oov_examples=tuple(oov[:_OOV_EXAMPLES]),
        oov_init=oov_init,
        oov_scale=float(meta["oov_scale"]),
    )
