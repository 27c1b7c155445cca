"""Reading labelled files: CSV, TSV, JSON Lines, fastText, label-first; encodings; errors."""

from __future__ import annotations

import json

import pytest

from textcnn.data.formats import LabeledTexts, detect_format, lines_of, read_labeled_file, read_text
from textcnn.errors import TextcnnError


def write(path, content, encoding="utf-8"):
    if isinstance(content, str):
        content = content.encode(encoding)
    path.write_bytes(content)
    return path


def read_error(*args, **kwargs) -> str:
    with pytest.raises(TextcnnError) as error:
        read_labeled_file(*args, **kwargs)
    return str(error.value)


# --- the formats ---------------------------------------------------------------------------------

def test_csv_with_custom_columns_and_quoting(tmp_path):
    path = write(tmp_path / "reviews.csv",
                 'id,review,stars\n1,"Great, really great",5\n2,"She said ""no""",1\n3,Plain,3\n')
    data = read_labeled_file(path, text_column="review", label_column="stars")
    assert data.texts == ["Great, really great", 'She said "no"', "Plain"]
    assert data.labels == ["5", "1", "3"]  # labels are strings, as written


def test_csv_keeps_na_like_text_as_text(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\nNA,none\nnull,NaN\n")
    data = read_labeled_file(path)
    assert data.texts == ["NA", "null"] and data.labels == ["none", "NaN"]


def test_tsv(tmp_path):
    path = write(tmp_path / "d.tsv", "sentence\tclass\nthe film , i think\tpos\nmeh\tneg\n")
    data = read_labeled_file(path, text_column="sentence", label_column="class")
    assert (data.texts, data.labels) == (["the film , i think", "meh"], ["pos", "neg"])


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json"])
def test_jsonl_with_custom_keys(tmp_path, suffix):
    rows = [{"body": "Très bien 👍", "y": 1, "extra": [1]}, {"body": "bad", "y": 0, "extra": None}]
    path = write(tmp_path / f"d{suffix}", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    data = read_labeled_file(path, text_column="body", label_column="y")
    assert (data.texts, data.labels) == (["Très bien 👍", "bad"], ["1", "0"])


def test_fasttext(tmp_path):
    path = write(tmp_path / "train.txt", "__label__pos a fine film\n__label__neg  dull ,  slow\n")
    data = read_labeled_file(path)
    assert (data.texts, data.labels) == (["a fine film", "dull , slow"], ["pos", "neg"])


def test_fasttext_multi_label_is_refused(tmp_path):
    path = write(tmp_path / "train.txt", "__label__pos good\n__label__pos __label__funny good fun\n")
    assert read_error(path) == f"{path}, line 2: 2 labels; only single-label data is supported"


def test_fasttext_line_without_label(tmp_path):
    path = write(tmp_path / "train.txt", "__label__pos good\njust text\n")
    assert read_error(path) == f"{path}, line 2: no __label__ label"


def test_label_first(tmp_path):
    path = write(tmp_path / "TREC.train", "NUM:dist How far is it ?\nHUM:ind Who was Galileo ?\n")
    data = read_labeled_file(path)
    assert data.labels == ["NUM:dist", "HUM:ind"]
    assert data.texts == ["How far is it ?", "Who was Galileo ?"]


def test_label_first_skips_blank_lines_and_accepts_tabs(tmp_path):
    path = write(tmp_path / "d.txt", "1 good\n\n0\tbad film\n  \n")
    data = read_labeled_file(path)
    assert (data.labels, data.texts) == (["1", "0"], ["good", "bad film"])


def test_fasttext_skips_blank_lines(tmp_path):
    path = write(tmp_path / "d.txt", "__label__a good\n\n__label__b bad\n")
    assert read_labeled_file(path).labels == ["a", "b"]


def test_explicit_format_overrides_the_suffix(tmp_path):
    path = write(tmp_path / "d.csv", "1 good\n0 bad\n")
    assert read_labeled_file(path, format="label-first").labels == ["1", "0"]
    assert read_error(path, format="xml") == \
        "Unknown data format 'xml'; expected one of csv, tsv, jsonl, fasttext, label-first"


def test_detect_format():
    assert detect_format("a.CSV") == "csv"
    assert detect_format("a.tsv") == "tsv"
    assert detect_format("a.ndjson") == "jsonl"
    assert detect_format("a.txt", "__label__x hello") == "fasttext"
    assert detect_format("a.txt", "1 hello") == "label-first"
    assert detect_format("stsa.binary.train", "") == "label-first"


def test_subset():
    data = LabeledTexts(["a", "b", "c"], ["x", "y", "z"])
    part = data.subset([2, 0])
    assert (part.texts, part.labels, len(part)) == (["c", "a"], ["z", "x"], 2)


# --- errors ------------------------------------------------------------------------------------

def test_missing_column_lists_the_available_ones(tmp_path):
    path = write(tmp_path / "d.csv", "review,stars\ngood,5\n")
    assert read_error(path) == f"{path} has no column 'text'; its columns are: review, stars"
    assert read_error(path, text_column="review", label_column="label") == \
        f"{path} has no column 'label'; its columns are: review, stars"


def test_missing_key_in_jsonl(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"body": "x", "label": 1}\n')
    assert read_error(path) == f"{path} has no column 'text'; its columns are: body, label"


@pytest.mark.parametrize("name, content", [
    ("empty.csv", ""), ("blank.csv", "\n\n"), ("header-only.csv", "text,label\n"),
    ("empty.tsv", ""), ("empty.jsonl", ""), ("empty.txt", ""),
])
def test_empty_file(tmp_path, name, content):
    path = write(tmp_path / name, content)
    assert read_error(path) == f"{path} holds no examples"


def test_missing_label_cell(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\ngood,pos\nno label here,\nbad,neg\n")
    assert read_error(path) == f"{path}, row 2: column 'label' is empty"


def test_blank_label_cell_in_jsonl(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": " "}\n')
    assert read_error(path) == f"{path}, row 2: column 'label' is empty"


def test_missing_text_in_jsonl(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n{"label": "y"}\n')
    assert read_error(path) == f"{path}, row 2: column 'text' is empty"


def test_malformed_csv_and_jsonl(tmp_path):
    csv_path = write(tmp_path / "d.csv", 'text,label\ngood,pos\n"a,b,c,d",x,y,z\n')
    assert read_error(csv_path).startswith(f"{csv_path} is not valid csv: ")
    jsonl_path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n{not json\n')
    assert read_error(jsonl_path).startswith(f"{jsonl_path} is not valid jsonl: ")


def test_missing_file_and_directory(tmp_path):
    assert read_error(tmp_path / "nope.csv") == f"No such file: {tmp_path / 'nope.csv'}"
    assert read_error(tmp_path) == f"Expected a file, found a directory: {tmp_path}"


def test_invalid_utf8_suggests_an_encoding(tmp_path):
    path = write(tmp_path / "d.csv", b"text,label\ncaf\xe9 noir,pos\n")
    assert read_error(path) == \
        f"{path} is not valid utf-8 (byte 14); pass the file's encoding, e.g. --encoding cp1252"
    assert read_labeled_file(path, encoding="cp1252").texts == ["café noir"]


def test_unknown_encoding(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\na,b\n")
    assert read_error(path, encoding="klingon") == "Unknown encoding: klingon"


# --- encodings and line breaks -------------------------------------------------------------------

def test_lines_of_splits_on_line_feeds_only():
    text = "one\x85still one\ntwo\r\nthree\u2028still three\x0cand\x1c\nfour"
    assert lines_of(text) == ["one\x85still one", "two", "three\u2028still three\x0cand\x1c", "four"]
    assert len(text.splitlines()) == 8  # the trap lines_of avoids
    assert lines_of("a\nb\n") == ["a", "b"]
    assert lines_of("") == []


def test_cp1252_ellipsis_byte_does_not_split_a_line(tmp_path):
    # MR's rt-polarity files are Windows-1252; byte 0x85 is an ellipsis there, and NEL in latin-1.
    raw = b"0 hmmm\x85might i suggest \n1 y tu mam\xe1 tambi\xe9n \n"
    path = write(tmp_path / "mr.txt", raw)
    data = read_labeled_file(path, encoding="cp1252")
    assert data.texts == ["hmmm\u2026might i suggest", "y tu mamá también"]
    assert data.labels == ["0", "1"]
    latin1 = read_labeled_file(path, encoding="latin-1")
    assert latin1.texts[0] == "hmmm\x85might i suggest" and len(latin1) == 2
    assert len(raw.decode("latin-1").splitlines()) == 3


def test_a_byte_order_mark_is_not_part_of_the_first_label(tmp_path):
    for name, content, labels in [
        ("bom.csv", "text,label\nhello,pos\n", ["pos"]),
        ("bom.txt", "__label__pos hello\n__label__neg bye\n", ["pos", "neg"]),
        ("bom.all", "1 hello\n0 bye\n", ["1", "0"]),
    ]:
        path = write(tmp_path / name, b"\xef\xbb\xbf" + content.encode())
        assert read_labeled_file(path).labels == labels
        assert not read_text(path).startswith("\ufeff")


def test_windows_line_endings(tmp_path):
    path = write(tmp_path / "d.txt", "1 good one\r\n0 bad one\r\n")
    data = read_labeled_file(path)
    assert (data.texts, data.labels) == (["good one", "bad one"], ["1", "0"])
