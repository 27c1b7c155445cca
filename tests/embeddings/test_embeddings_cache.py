"""The on-disk cache of built matrices (`embeddings/cache.py`)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import textcnn_embeddings.matrix
from textcnn_embeddings import build_matrix
from textcnn_embeddings.cache import MatrixCache, default_cache_dir, source_identity
from textcnn_embeddings.sources import resolve_source

VOCABULARY = ["<pad>", "<unk>", "the", "movie", "Paris", "unseen"]


def forbid_reading(monkeypatch) -> None:
    """Makes every way of reading a source fail, so only a cache hit can succeed."""

    def fail(*args, **kwargs):
        raise AssertionError("the source was read")

    for name in ("read_rows", "detect_format", "sha256_of_file"):
        monkeypatch.setattr(textcnn_embeddings.matrix, name, fail)


@pytest.fixture
def counting_reads(monkeypatch) -> list:
    calls = []
    real = textcnn_embeddings.matrix.read_rows

    def counted(*args, **kwargs):
        calls.append(args[0].path)
        return real(*args, **kwargs)

    monkeypatch.setattr(textcnn_embeddings.matrix, "read_rows", counted)
    return calls


@pytest.mark.parametrize("name", ["word2vec-binary", "glove-zip", "kv"])
def test_second_build_reads_nothing_from_the_source(vector_files, tmp_path, monkeypatch, name):
    cache = tmp_path / "cache"
    first, first_coverage = build_matrix(vector_files[name], VOCABULARY, cache_dir=cache)
    forbid_reading(monkeypatch)
    second, second_coverage = build_matrix(vector_files[name], VOCABULARY, cache_dir=cache)
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.float32
    assert second_coverage == first_coverage


def test_cache_hit_still_counts_tokens(vector_files, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=cache)
    forbid_reading(monkeypatch)
    counts = {"the": 3, "movie": 1, "unseen": 4}
    _, coverage = build_matrix(vector_files["glove-text"], VOCABULARY, token_counts=counts, cache_dir=cache)
    assert (coverage.tokens_total, coverage.tokens_found) == (8, 4)
    assert coverage.oov_examples == ("unseen",)


def test_default_cache_folder_comes_from_the_environment(vector_files, cache_root, counting_reads):
    assert default_cache_dir() == cache_root / "embeddings"
    build_matrix(vector_files["glove-text"], VOCABULARY)
    build_matrix(vector_files["glove-text"], VOCABULARY)
    assert len(counting_reads) == 1
    assert len(list((cache_root / "embeddings" / "matrices").glob("*.npz"))) == 1
    assert len(list((cache_root / "embeddings" / "sources").glob("*.json"))) == 1


def test_default_cache_folder_without_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("TEXTCNN_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "textcnn" / "embeddings"


def test_other_settings_miss_the_cache(vector_files, tmp_path, counting_reads):
    cache = tmp_path / "cache"
    build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=cache)
    build_matrix(vector_files["glove-text"], VOCABULARY, seed=1, cache_dir=cache)
    build_matrix(vector_files["glove-text"], VOCABULARY, oov_scale=0.1, cache_dir=cache)
    build_matrix(vector_files["glove-text"], VOCABULARY, lowercase_fallback=False, cache_dir=cache)
    build_matrix(vector_files["glove-text"], [*VOCABULARY, "good"], cache_dir=cache)
    build_matrix(vector_files["glove-text"], VOCABULARY, seed=1, cache_dir=cache)
    assert len(counting_reads) == 5


def test_a_changed_source_is_read_again(vector_files, tmp_path, vectors):
    cache = tmp_path / "cache"
    path = vector_files["glove-text"]
    before, _ = build_matrix(path, VOCABULARY, cache_dir=cache)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("the ")
    path.write_text("\n".join(["the 9 9 9 9 9 9", *lines[1:]]) + "\n")
    os.utime(path, ns=(1, 1))
    after, _ = build_matrix(path, VOCABULARY, cache_dir=cache)
    np.testing.assert_array_equal(before[2], vectors["the"])
    np.testing.assert_array_equal(after[2], np.full(6, 9.0))


def test_a_copy_of_the_source_reuses_the_matrix(vector_files, tmp_path, counting_reads):
    cache = tmp_path / "cache"
    copy = tmp_path / "copy.txt"
    shutil.copyfile(vector_files["glove-text"], copy)
    first, _ = build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=cache)
    second, coverage = build_matrix(copy, VOCABULARY, cache_dir=cache)
    np.testing.assert_array_equal(first, second)
    assert len(counting_reads) == 1
    assert coverage.path == str(copy)


def test_cache_can_be_turned_off(vector_files, cache_root, counting_reads):
    build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=False)
    build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=False)
    assert len(counting_reads) == 2
    assert not cache_root.exists()


def test_a_corrupt_entry_is_rebuilt_with_a_warning(vector_files, tmp_path, counting_reads):
    cache = tmp_path / "cache"
    first, _ = build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=cache)
    (entry,) = (cache / "matrices").glob("*.npz")
    entry.write_bytes(b"garbage")
    with pytest.warns(UserWarning, match=r"^Ignoring the unreadable cache entry .*\.npz: "):
        second, _ = build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=cache)
    np.testing.assert_array_equal(first, second)
    assert len(counting_reads) == 2


def test_an_unwritable_cache_only_warns(vector_files, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(UserWarning, match=r"^Could not write the embeddings cache "):
        matrix, _ = build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=blocker)
    assert matrix.shape == (6, 6)


def test_writes_leave_no_partial_files(vector_files, tmp_path):
    cache = tmp_path / "cache"
    build_matrix(vector_files["glove-text"], VOCABULARY, cache_dir=cache)
    names = [path.name for path in cache.rglob("*") if path.is_file()]
    assert len(names) == 2
    assert not [name for name in names if name.endswith(".part")]


def test_source_identity_tracks_size_and_mtime(vector_files):
    source = resolve_source(vector_files["glove-zip"])
    identity = source_identity(source)
    stat = vector_files["glove-zip"].stat()
    assert identity == {
        "files": [[str(vector_files["glove-zip"]), stat.st_size, stat.st_mtime_ns]],
        "member": "glove.6d.txt",
        "format": None,
    }
    assert MatrixCache(vector_files["glove-zip"].parent / "empty-cache").source_record(source) is None
