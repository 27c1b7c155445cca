"""Fixtures for the embeddings tests: small vector files in every format, and the shared data."""

from __future__ import annotations

import gzip
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors
from gensim.models.fasttext import save_facebook_model

WORDS = ["the", "movie", "was", "great", "paris", "café", "new_york", "bad", "good", "plot"]
DIM = 6


@pytest.fixture(autouse=True)
def cache_root(tmp_path, monkeypatch) -> Path:
    """Points the default cache at a temporary folder, so no test writes to the home folder."""
    root = tmp_path / "cache-root"
    monkeypatch.setenv("TEXTCNN_CACHE_DIR", str(root))
    return root


@pytest.fixture
def vectors() -> dict[str, np.ndarray]:
    """Ten words with float32 vectors, the reference every file format must give back."""
    generator = np.random.default_rng(7)
    matrix = generator.normal(0.0, 0.5, size=(len(WORDS), DIM)).astype(np.float32)
    return dict(zip(WORDS, matrix))


@pytest.fixture
def keyed(vectors) -> KeyedVectors:
    keyed = KeyedVectors(DIM)
    keyed.add_vectors(list(vectors), np.stack(list(vectors.values())))
    return keyed


def glove_lines(vectors: dict[str, np.ndarray]) -> str:
    return "".join(f"{word} {' '.join(repr(float(value)) for value in vector)}\n" for word, vector in vectors.items())


@pytest.fixture
def vector_files(tmp_path, keyed, vectors) -> dict[str, Path]:
    """The reference vectors saved in every format this package reads, by format name."""
    folder = tmp_path / "vectors"
    folder.mkdir()
    files = {
        "word2vec-text": folder / "vectors.txt",
        "word2vec-binary": folder / "vectors.bin",
        "fasttext-vec": folder / "vectors.vec",
        "glove-text": folder / "glove.txt",
        "kv": folder / "vectors.kv",
    }
    keyed.save_word2vec_format(str(files["word2vec-text"]))
    keyed.save_word2vec_format(str(files["word2vec-binary"]), binary=True)
    keyed.save_word2vec_format(str(files["fasttext-vec"]))
    files["glove-text"].write_text(glove_lines(vectors), encoding="utf-8")
    keyed.save(str(files["kv"]))
    files["glove-zip"] = folder / "glove.zip"
    with zipfile.ZipFile(files["glove-zip"], "w") as archive:
        archive.write(files["glove-text"], "glove.6d.txt")
        archive.writestr("README", "not vectors")
    files["glove-gzip"] = folder / "glove.txt.gz"
    files["glove-gzip"].write_bytes(gzip.compress(files["glove-text"].read_bytes()))
    return files


@pytest.fixture(scope="session")
def fasttext_model(tmp_path_factory) -> tuple[FastText, Path]:
    """A tiny fastText model trained with gensim and saved in Facebook's `.bin` format."""
    sentences = [["the", "movie", "was", "great"], ["the", "plot", "was", "bad"], ["a", "good", "movie"]] * 20
    model = FastText(vector_size=8, window=2, min_count=1, min_n=2, max_n=4, bucket=2000, seed=1, workers=1)
    model.build_vocab(corpus_iterable=sentences)
    model.train(corpus_iterable=sentences, total_examples=len(sentences), epochs=2)
    path = tmp_path_factory.mktemp("fasttext") / "tiny.bin"
    save_facebook_model(model, str(path))
    return model, path


@pytest.fixture
def shared_vectors() -> Path:
    """The shared real vector files (`$TEXTCNN_DATA_DIR/vectors`); fails when they are missing."""
    root = os.environ.get("TEXTCNN_DATA_DIR")
    if not root:
        pytest.fail("TEXTCNN_DATA_DIR is not set; set it to the shared data root (e.g. /work/shared/data).")
    folder = Path(root) / "vectors"
    if not (folder / "wiki.en.vec").is_file():
        pytest.fail(f"TEXTCNN_DATA_DIR={root} has no vectors/wiki.en.vec; point it at the shared data root.")
    return folder
