"""The shared benchmark files read as published (counts from each folder's SOURCE.md).

Needs ``TEXTCNN_DATA_DIR`` (e.g. ``/work/shared/data``); fails, never skips, without it.
"""

from __future__ import annotations

from collections import Counter

import pytest

from textcnn.data import BENCHMARKS, load_dataset
from textcnn.data.formats import lines_of
from textcnn.errors import TextcnnError


@pytest.fixture(scope="module")
def mr(shared_data):
    shared_data("mr")
    return load_dataset("mr", download=False)


@pytest.fixture(scope="module")
def sst2(shared_data):
    shared_data("sst2")
    return load_dataset("sst2", download=False)


@pytest.fixture(scope="module")
def trec(shared_data):
    shared_data("trec")
    return load_dataset("trec", download=False)


@pytest.fixture(scope="module")
def trec_fine(shared_data):
    shared_data("trec")
    return load_dataset("trec-fine", download=False)


# --- MR ---------------------------------------------------------------------------------------

def test_mr_has_10662_sentences_5331_per_class(mr):
    assert len(mr.train) == 10_662
    assert Counter(mr.train.labels) == {"negative": 5331, "positive": 5331}
    assert mr.dev is None and mr.test is None
    assert mr.cv_folds == 10 and mr.lowercase is True
    assert mr.label_names == ["negative", "positive"]


def test_mr_is_read_as_windows_1252(mr):
    texts = mr.train.texts
    assert "absorbing character study by andré turpin ." in texts
    assert any("y tu mamá también" in text for text in texts)
    # Byte 0x85 is an ellipsis in cp1252; read as latin-1 it would be U+0085 (NEL).
    assert not any("\x85" in text for text in texts)
    assert any(text.startswith("this overproduced piece of dreck is shockingly bad and absolutely "
                               "unnecessary . hmmm\u2026might i suggest") for text in texts)


def test_mr_lines_are_stripped_and_not_empty(mr):
    assert all(text and text == text.strip() for text in mr.train.texts)


def test_mr_latin1_plus_splitlines_trap(shared_data):
    # What SOURCE.md warns about, and what lines_of avoids: NEL (U+0085) splits with splitlines().
    pos = (shared_data("mr") / "rt-polarity.pos").read_bytes().decode("latin-1")
    assert len(pos.splitlines()) == 5344
    assert len(lines_of(pos)) == 5331


# --- SST-2 ------------------------------------------------------------------------------------

def test_sst2_split_sizes_and_labels(sst2):
    assert (len(sst2.train), len(sst2.dev), len(sst2.test)) == (6920, 872, 1821)
    assert Counter(sst2.train.labels) == {"negative": 3310, "positive": 3610}
    assert Counter(sst2.dev.labels) == {"negative": 428, "positive": 444}
    assert Counter(sst2.test.labels) == {"negative": 912, "positive": 909}
    assert sst2.label_names == ["negative", "positive"]
    assert sst2.cv_folds is None


def test_sst2_is_utf8(sst2):
    assert any("crème brûlée" in text for text in sst2.test.texts)


# --- TREC -------------------------------------------------------------------------------------

TREC_TRAIN = {"DESC": 1162, "ENTY": 1250, "ABBR": 86, "HUM": 1223, "LOC": 835, "NUM": 896}
TREC_TEST = {"DESC": 138, "ENTY": 94, "ABBR": 9, "HUM": 65, "LOC": 81, "NUM": 113}


def test_trec_coarse_counts(trec):
    assert (len(trec.train), len(trec.test)) == (5452, 500)
    assert trec.dev is None
    assert Counter(trec.train.labels) == TREC_TRAIN
    assert Counter(trec.test.labels) == TREC_TEST


def test_trec_label_names_follow_the_0_to_5_mapping(trec):
    assert BENCHMARKS["trec"].label_names == {
        "0": "DESC", "1": "ENTY", "2": "ABBR", "3": "HUM", "4": "LOC", "5": "NUM"}
    assert trec.label_names == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
    assert list(zip(trec.test.labels[:3], trec.test.texts[:3])) == [
        ("NUM", "How far is it from Denver to Aspen ?"),
        ("LOC", "What county is Modesto , California in ?"),
        ("HUM", "Who was Galileo ?"),
    ]


def test_trec_keeps_case(trec):
    assert trec.lowercase is False
    assert sum(text != text.lower() for text in trec.train.texts) > 5000


def test_trec_0xf0_line_decodes(trec):
    line = "Which city has the oldest relationship as a sister\u00f0city with Los Angeles ?"
    assert line in trec.train.texts
    assert trec.train.labels[trec.train.texts.index(line)] == "LOC"


def test_trec_fine_has_50_train_and_42_test_classes(trec_fine, trec):
    assert (len(trec_fine.train), len(trec_fine.test)) == (5452, 500)
    assert len(set(trec_fine.train.labels)) == 50
    assert len(set(trec_fine.test.labels)) == 42
    assert trec_fine.test.labels[0] == "NUM:dist"
    assert trec_fine.lowercase is False
    # The raw COARSE:fine files agree line by line with the coarse ones.
    assert trec_fine.train.texts == trec.train.texts
    assert [label.split(":")[0] for label in trec_fine.train.labels] == trec.train.labels
    assert [label.split(":")[0] for label in trec_fine.test.labels] == trec.test.labels


# --- names and files --------------------------------------------------------------------------

def test_a_file_path_is_read_as_a_file(tmp_path):
    train = tmp_path / "reviews.csv"
    train.write_text("review,stars\ngood,5\nbad,1\n")
    test = tmp_path / "held.csv"
    test.write_text("review,stars\nok,3\n")
    data = load_dataset(str(train), test=str(test), text_column="review", label_column="stars")
    assert data.name == "reviews"
    assert data.train.texts == ["good", "bad"] and data.test.labels == ["3"]
    assert data.dev is None
    assert data.label_names == ["1", "3", "5"]  # numeric labels sort as numbers


def test_label_names_sort_numbers_numerically(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("10 a\n2 b\n-1 c\n")
    assert load_dataset(str(path)).label_names == ["-1", "2", "10"]


def test_unknown_dataset_name():
    with pytest.raises(TextcnnError) as error:
        load_dataset("imdb")
    assert str(error.value) == ("Unknown dataset 'imdb': not a file, and not one of "
                                "mr, sst2, sst1, trec, trec-fine, subj, cr, mpqa")
