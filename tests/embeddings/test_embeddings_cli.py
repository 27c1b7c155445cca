"""The `embeddings` sub-command (`embeddings/cli.py`)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from textcnn_embeddings.cli import read_counts_file, read_vocabulary_file, register
from textcnn.errors import TextcnnError


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="textcnn")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["embeddings", *argv])
    return args.func(args)


def test_inspect(vector_files, capsys):
    assert run("inspect", str(vector_files["word2vec-binary"]), "--neighbours", "movie", "the", "--topn", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        f"source: {vector_files['word2vec-binary']}",
        f"path: {vector_files['word2vec-binary']}",
        "format: word2vec-binary",
        "dimension: 6",
        "vocabulary size: 10",
    ]
    assert lines[5] == "nearest neighbours of 'movie':"
    assert lines[8] == "nearest neighbours of 'the':"
    assert len(lines) == 11


def test_build(vector_files, vectors, tmp_path, capsys):
    vocabulary = tmp_path / "vocabulary.txt"
    vocabulary.write_text("<pad>\n<unk>\nthe\nParis\nunseen\n")
    counts = tmp_path / "counts.tsv"
    counts.write_text("the\t6\nParis\t3\nunseen\t1\n")
    output = tmp_path / "matrix.npy"
    assert run(
        "build", "--source", f"{vector_files['glove-zip']}", "--vocabulary", str(vocabulary),
        "--counts", str(counts), "--output", str(output), "--oov-scale", "0.25", "--cache-dir", str(tmp_path / "c"),
    ) == 0
    matrix = np.load(output)
    assert matrix.shape == (5, 6)
    np.testing.assert_array_equal(matrix[3], vectors["paris"])
    assert np.abs(matrix[4]).max() <= 0.25
    coverage = json.loads((tmp_path / "matrix.coverage.json").read_text())
    assert (coverage["types_found"], coverage["tokens_found"], coverage["tokens_total"]) == (2, 9, 10)
    printed = capsys.readouterr().out
    assert "Types: 2 of 3 found (66.67%), 1 by lower-casing, 1 OOV" in printed
    assert "Tokens: 9 of 10 found (90.00%)" in printed
    assert printed.rstrip().endswith(f"Wrote {output}, {tmp_path / 'matrix.coverage.json'}")


def test_build_from_a_dataset_uses_its_training_vocabulary(vector_files, vectors, tmp_path, capsys):
    train = tmp_path / "train.csv"
    train.write_text('text,label\n"The film , Paris !",pos\nthe unseen the,neg\n')
    output = tmp_path / "matrix.npy"
    assert run(
        "build", "--source", f"{vector_files['glove-zip']}", "--dataset", str(train),
        "--output", str(output), "--no-cache",
    ) == 0
    tokens = (tmp_path / "matrix.vocabulary.txt").read_text().splitlines()
    assert tokens[:2] == ["<pad>", "<unk>"] and tokens[2] == "the"
    assert sorted(tokens[2:]) == sorted(["the", "film", ",", "paris", "!", "unseen"])
    matrix = np.load(output)
    assert matrix.shape == (len(tokens), 6)
    np.testing.assert_array_equal(matrix[tokens.index("paris")], vectors["paris"])
    coverage = json.loads((tmp_path / "matrix.coverage.json").read_text())
    assert coverage["tokens_total"] == 8  # the training split's tokens, counted
    assert f"{tmp_path / 'matrix.vocabulary.txt'}" in capsys.readouterr().out


def test_build_takes_a_vocabulary_or_a_dataset_not_both(vector_files, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run("build", "--source", f"{vector_files['glove-zip']}", "--dataset", "mr",
            "--vocabulary", "v.txt", "--output", str(tmp_path / "m.npy"))
    assert "not allowed with argument" in capsys.readouterr().err


def test_build_with_a_missing_vocabulary_file(vector_files, tmp_path):
    with pytest.raises(TextcnnError) as error:
        run("build", "--source", str(vector_files["glove-text"]), "--vocabulary", str(tmp_path / "v.txt"), "--output", str(tmp_path / "m.npy"))
    assert str(error.value) == f"File not found: {tmp_path / 'v.txt'}"


def test_train(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the movie was good\nthe plot was bad\n" * 50)
    output = tmp_path / "vectors.txt"
    assert run("train", "--corpus", str(corpus), "--dim", "8", "--cbow", "--min-count", "1", "--epochs", "1", "--output", str(output)) == 0
    assert capsys.readouterr().out == f"Wrote {output}\n"
    assert output.read_text().splitlines()[0] == "6 8"


def test_vocabulary_file_keeps_empty_and_spaced_tokens(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_text("\n<unk>\nnew york\nthe\r\n")
    assert read_vocabulary_file(path) == ["", "<unk>", "new york", "the"]


def test_counts_file(tmp_path):
    path = tmp_path / "counts.tsv"
    path.write_text("the\t10\nnew york\t2\n\n")
    assert read_counts_file(path) == {"the": 10, "new york": 2}
    path.write_text("the\tmany\n")
    with pytest.raises(TextcnnError) as error:
        read_counts_file(path)
    assert str(error.value) == f"{path}: line 1 must be 'token<TAB>count'. Received: 'the\\tmany'"
