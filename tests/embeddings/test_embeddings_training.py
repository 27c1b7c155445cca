"""Training word vectors with gensim (`embeddings/training.py`)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import textcnn_embeddings as embeddings
from textcnn_embeddings.training import Corpus
from textcnn.errors import TextcnnError

TOPICS = {
    "film": ["movie", "actor", "scene", "plot", "director", "camera"],
    "food": ["bread", "cheese", "soup", "salad", "butter", "pasta"],
}


@pytest.fixture
def corpus(tmp_path):
    """300 lines on two topics, so each word's neighbours are mostly from its own topic."""
    generator = np.random.default_rng(0)
    lines = []
    for index in range(300):
        line = " ".join(generator.choice(TOPICS["film" if index % 2 else "food"], size=8))
        lines.append(line.capitalize() if index % 7 == 0 else line)
    first, second = tmp_path / "part1.txt", tmp_path / "part2.txt.gz"
    first.write_text("\n".join(lines[:150]) + "\n\n")
    second.write_bytes(gzip.compress(("\n".join(lines[150:]) + "\n").encode()))
    return [first, second]


def test_corpus_is_restartable_and_reads_gzip(corpus):
    sentences = Corpus(corpus, lowercase=True)
    first_pass = list(sentences)
    assert first_pass == list(sentences)
    assert len(first_pass) == 300
    assert all(token == token.lower() for sentence in first_pass for token in sentence)


@pytest.mark.parametrize(
    "algorithm, suffix, format, sg",
    [
        ("word2vec", ".txt", "word2vec-text", 1),
        ("word2vec", ".bin", "word2vec-binary", 0),
        ("fasttext", ".vec", "fasttext-vec", 1),
        ("fasttext", ".bin", "fasttext-bin", 0),
    ],
)
def test_train_and_reload_as_a_source(corpus, tmp_path, capsys, algorithm, suffix, format, sg):
    output = tmp_path / f"trained{suffix}"
    written = embeddings.train(
        corpus, algorithm=algorithm, dim=16, sg=sg, min_count=2, epochs=3, workers=1, lowercase=True, output=output
    )
    assert written == output
    progress = capsys.readouterr().err
    assert f"{algorithm}: 12 words, 300 lines" in progress
    assert f"{algorithm}: epoch 3/3 done in " in progress
    loaded = embeddings.load(output)
    assert (loaded.format, loaded.dim, loaded.vocab_size) == (format, 16, 12)
    assert "movie" in loaded and "Movie" not in loaded
    matrix, coverage = embeddings.build_matrix(output, ["<pad>", "<unk>", "Movie", "soup"], cache_dir=False)
    assert matrix.shape == (4, 16)
    assert (coverage.types_found, coverage.types_found_lowercase) == (2, 1)
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_train_without_progress_is_silent(corpus, tmp_path, capsys):
    embeddings.train(corpus, dim=8, min_count=1, epochs=1, progress=False, output=tmp_path / "quiet.txt")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "options, message",
    [
        ({"algorithm": "glove"}, "`algorithm` must be one of word2vec, fasttext. Received: algorithm='glove'"),
        ({"sg": 2}, "`sg` must be 1 (skip-gram) or 0 (CBOW). Received: sg=2"),
        ({"dim": 0}, "`dim` must be a positive integer. Received: dim=0"),
        ({"window": -1}, "`window` must be a positive integer. Received: window=-1"),
        ({"epochs": 1.5}, "`epochs` must be a positive integer. Received: epochs=1.5"),
        ({"seed": -1}, "`seed` must be a non-negative integer. Received: seed=-1"),
        ({"min_count": 10_000}, "No word occurs at least min_count=10000 times in the corpus; lower `min_count`."),
    ],
)
def test_bad_arguments(corpus, tmp_path, options, message):
    with pytest.raises(TextcnnError) as error:
        embeddings.train(corpus, output=tmp_path / "out.txt", progress=False, **options)
    assert str(error.value) == message


def test_missing_corpus_file(tmp_path):
    with pytest.raises(TextcnnError) as error:
        embeddings.train([tmp_path / "absent.txt"], output=tmp_path / "out.txt")
    assert str(error.value) == f"Corpus file not found: {tmp_path / 'absent.txt'}"
