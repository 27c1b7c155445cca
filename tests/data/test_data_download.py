"""Downloading a benchmark from a mirror into the cache, checked by SHA-256."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from textcnn.data import BENCHMARKS, load_dataset
from textcnn.data.download import fetch, sha256_of
from textcnn.errors import TextcnnError

TREC_FILES = ("TREC.train.all", "TREC.test.all")


@pytest.fixture
def mirror(tmp_path, shared_data) -> Path:
    """A mirror laid out ``<mirror>/<folder>/<file>``, holding TREC's coarse files."""
    root = tmp_path / "mirror"
    (root / "trec").mkdir(parents=True)
    for name in TREC_FILES:
        shutil.copy(shared_data("trec") / name, root / "trec" / name)
    return root


@pytest.fixture
def no_local_data(tmp_path, monkeypatch) -> Path:
    empty = tmp_path / "empty-data-dir"
    empty.mkdir()
    monkeypatch.setenv("TEXTCNN_DATA_DIR", str(empty))
    return empty


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_download_from_a_mirror_lands_in_the_cache(mirror, no_local_data, private_cache, monkeypatch, capsys):
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", mirror.as_uri())
    data = load_dataset("trec")
    assert (len(data.train), len(data.test)) == (5452, 500)
    assert Counter(data.test.labels) == {"DESC": 138, "ENTY": 94, "ABBR": 9, "HUM": 65, "LOC": 81, "NUM": 113}
    cached = private_cache / "datasets" / "trec"
    assert files_under(cached) == sorted(TREC_FILES)
    for name in TREC_FILES:
        assert sha256_of(cached / name) == BENCHMARKS["trec"].files[
            "train" if "train" in name else "test"].sha256
    assert f"textcnn: downloading {mirror.as_uri()}/trec/TREC.train.all" in capsys.readouterr().err
    assert files_under(no_local_data) == []

    # The second time it comes from the cache, even with the mirror gone.
    shutil.rmtree(mirror)
    again = load_dataset("trec")
    assert again.train.texts == data.train.texts
    assert "downloading" not in capsys.readouterr().err


def test_tampered_mirror_file_is_refused_and_nothing_is_cached(mirror, no_local_data, private_cache,
                                                               monkeypatch):
    path = mirror / "trec" / "TREC.test.all"
    path.write_bytes(path.read_bytes().replace(b"Galileo", b"Galilei", 1))
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", mirror.as_uri() + "/")
    with pytest.raises(TextcnnError) as error:
        load_dataset("trec")
    expected = BENCHMARKS["trec"].files["test"].sha256
    assert str(error.value) == (f"Checksum mismatch for {mirror.as_uri()}/trec/TREC.test.all: "
                                f"expected sha256 {expected}, got {sha256_of(path)}")
    cached = private_cache / "datasets" / "trec"
    # The train file was good and stays; of the bad one, not even a temporary file is left.
    assert files_under(cached) == ["TREC.train.all"]


def test_unreachable_url(no_local_data, private_cache, monkeypatch):
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", "http://127.0.0.1:9/mirror")
    with pytest.raises(TextcnnError) as error:
        load_dataset("trec")
    assert str(error.value).startswith("Cannot download http://127.0.0.1:9/mirror/trec/TREC.train.all: ")
    assert files_under(private_cache) == []


def test_mirror_without_the_file(tmp_path, no_local_data, private_cache, monkeypatch):
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", (tmp_path / "empty-mirror").as_uri())
    with pytest.raises(TextcnnError) as error:
        load_dataset("sst2")
    assert str(error.value).startswith(
        f"Cannot download {(tmp_path / 'empty-mirror').as_uri()}/sst2/stsa.binary.train: ")
    assert files_under(private_cache) == []


def test_no_download_when_told_not_to(no_local_data, private_cache):
    with pytest.raises(TextcnnError) as error:
        load_dataset("trec", download=False)
    assert str(error.value) == (f"trec: TREC.train.all not found under {no_local_data / 'trec'}, "
                                f"{private_cache / 'datasets' / 'trec'}")


def test_a_local_copy_that_differs_from_the_published_file_is_refused(tmp_path, shared_data, monkeypatch):
    root = tmp_path / "data"
    (root / "trec").mkdir(parents=True)
    shutil.copy(shared_data("trec") / "TREC.train.all", root / "trec" / "TREC.train.all")
    with open(root / "trec" / "TREC.train.all", "ab") as handle:
        handle.write(b"0 An extra question ?\n")
    monkeypatch.setenv("TEXTCNN_DATA_DIR", str(root))
    with pytest.raises(TextcnnError) as error:
        load_dataset("trec")
    assert str(error.value) == \
        f"{root / 'trec' / 'TREC.train.all'} does not match the published checksum of trec"


def test_fetch_without_a_pinned_checksum_reports_it(tmp_path, capsys):
    source = tmp_path / "source.txt"
    source.write_bytes(b"1 hello\n")
    target = fetch(source.as_uri(), tmp_path / "cache" / "sub" / "copy.txt", None)
    assert target.read_bytes() == b"1 hello\n"
    err = capsys.readouterr().err
    assert f"textcnn: no checksum is pinned for {source.as_uri()}; its sha256 is {sha256_of(source)}" in err
