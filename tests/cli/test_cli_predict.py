"""`textcnn predict`: from arguments, stdin and files; top-k, threshold, CSV output."""

from __future__ import annotations

import csv
import json

import pytest

LABELS = {"neg", "neu", "pos"}


def parse_jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def check_rows(rows, texts, k, threshold=None):
    """One row per input, in input order; top-k sorted, probabilities sum to at most 1."""
    assert [row["text"] for row in rows] == texts
    for row in rows:
        scores = [item["score"] for item in row["top_k"]]
        if threshold is None:
            assert len(scores) == min(k, len(LABELS))
        else:
            assert len(scores) <= k and all(s >= threshold for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 for s in scores) and sum(scores) <= 1 + 1e-5
        assert {item["label"] for item in row["top_k"]} <= LABELS
        if scores:
            assert (row["label"], row["score"]) == (row["top_k"][0]["label"], scores[0])
        else:
            assert (row["label"], row["score"]) == (None, None)


def predict(cli, trained, *args, **kwargs):
    result = cli("predict", "--model", trained["model"], *args, **kwargs)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_from_arguments_with_top_2(cli, trained):
    texts = ["a wonderful film", "boring and slow", "Amélie est très drôle 🎬", "Отличный фильм", ""]
    rows = parse_jsonl(predict(cli, trained, "-k", "2", *texts).stdout)
    check_rows(rows, texts, k=2)


def test_from_stdin_with_every_label(cli, trained):
    texts = ["the film is two hours long", "i hated every minute", "what a joy", "a b c"]
    rows = parse_jsonl(predict(cli, trained, "--top-k", "3", input="\n".join(texts) + "\n").stdout)
    check_rows(rows, texts, k=3)
    for row in rows:  # every label: a full softmax
        assert sum(item["score"] for item in row["top_k"]) == pytest.approx(1, abs=1e-4)


def test_from_a_plain_lines_file_with_threshold(cli, trained, tmp_path):
    texts = [f"sentence number {i} , a great story" for i in range(25)]
    path = tmp_path / "texts.txt"
    path.write_text("\r\n".join(texts) + "\r\n", encoding="utf-8")
    rows = parse_jsonl(predict(cli, trained, "--input", path, "-k", "3", "--threshold", "0.34",
                               "--chunk-size", "7").stdout)
    check_rows(rows, texts, k=3, threshold=0.34)


def test_from_csv_with_a_text_column_to_a_csv_file(cli, trained, tmp_path):
    texts = ['a "quoted" review, with commas', "line one\nline two", "plain", "ünïcödé ✓"]
    source = tmp_path / "reviews.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "review"])
        writer.writerows(enumerate(texts))
    out = tmp_path / "predictions.csv"
    result = predict(cli, trained, "--input", source, "--text-column", "review", "-k", "2",
                     "--output-format", "csv", "--output", out)
    assert result.stdout == ""
    assert f"textcnn: wrote 4 predictions to {out}" in result.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "label", "score", "top_k"]
    assert [row[0] for row in rows[1:]] == texts
    for _, label, score, top_k in rows[1:]:
        ranked = [item.rsplit(":", 1) for item in top_k.split(";")]
        assert len(ranked) == 2 and {name for name, _ in ranked} <= LABELS
        scores = [float(s) for _, s in ranked]
        assert scores == sorted(scores, reverse=True) and sum(scores) <= 1 + 1e-5
        assert (label, float(score)) == (ranked[0][0], scores[0])


def test_from_jsonl(cli, trained, tmp_path):
    texts = ["great acting", "awful acting", "filmed in paris"]
    source = tmp_path / "texts.jsonl"
    source.write_text("".join(json.dumps({"body": t, "id": i}) + "\n" for i, t in enumerate(texts)))
    rows = parse_jsonl(predict(cli, trained, "--input", source, "--text-column", "body").stdout)
    check_rows(rows, texts, k=1)


def test_throughput_is_reported_on_stderr_for_streamed_input(cli, trained):
    result = predict(cli, trained, "--input", "-", input="a wonderful film\nboring and slow\nbased on a novel\n")
    assert len(parse_jsonl(result.stdout)) == 3
    line = [l for l in result.stderr.splitlines() if l.startswith("textcnn: classified")]
    assert len(line) == 1 and line[0].startswith("textcnn: classified 3 texts in ") and line[0].endswith(" texts/s")
