"""`textcnn beam-predict`: Beam's RunInference on the DirectRunner with several worker processes
classifies a few thousand lines, every input exactly once, as `textcnn predict` does; CSV, JSON
Lines and Parquet in and out.

Apache Beam cannot install beside requirements.lock, so these tests run in the environment of
requirements-beam.lock (`scripts/check_beam.sh`, output in benchmarks/beam.txt) and are skipped
where Beam is absent."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

pytest.importorskip("apache_beam")

WORDS = ("a wonderful film great acting boring slow hated awful the director is french based on "
         "novel charming dull zyzzyva Amélie's isn't (really)! Отличный 😀").split()


def corpus(count: int) -> list[str]:
    """Distinct lines (a number in each) of known and unknown words, some very short."""
    return [" ".join([WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(i % 9)] + [str(i)])
            for i in range(count)]


def read_jsonl_shards(prefix) -> list[dict]:
    shards = sorted(prefix.parent.glob(prefix.name + "-*.jsonl"))
    assert shards, f"no output shards for {prefix}"
    return [json.loads(line) for shard in shards for line in shard.read_text("utf-8").splitlines()]


def test_direct_runner_with_two_workers_classifies_every_line_once_as_predict_does(cli, trained, tmp_path):
    lines = corpus(3000)
    source = tmp_path / "corpus.txt"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    prefix = tmp_path / "out" / "pred"
    result = cli("beam-predict", "--model", trained["model"], "--input", source, "--output", prefix,
                 "-k", "2", "--", "--direct_num_workers", "2", "--direct_running_mode", "multi_processing",
                 timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl_shards(prefix)
    assert Counter(r["text"] for r in records) == Counter(lines)  # every input exactly once
    expected = cli("predict", "--model", trained["model"], "--input", source, "-k", "2")
    assert expected.returncode == 0, expected.stderr
    want = {row["text"]: row for row in map(json.loads, expected.stdout.splitlines())}
    for record in records:
        reference = want[record["text"]]
        assert record["label"] == reference["label"]
        assert [t["label"] for t in record["top_k"]] == [t["label"] for t in reference["top_k"]]
        assert [t["score"] for t in record["top_k"]] == pytest.approx(
            [t["score"] for t in reference["top_k"]], abs=1e-6)


def test_csv_in_parquet_out_and_jsonl_in_csv_out(cli, trained, tmp_path):
    import pandas as pd

    lines = corpus(50)
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "review"])
        writer.writerows(enumerate(lines))
    result = cli("beam-predict", "--model", trained["model"], "--input", tmp_path / "in.csv",
                 "--text-column", "review", "--output", tmp_path / "p", "--output-format", "parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    frame = pd.concat(pd.read_parquet(path) for path in tmp_path.glob("p-*.parquet"))
    assert sorted(frame["text"]) == sorted(lines)
    assert set(frame["label"]) <= {"pos", "neg", "neu"}

    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in lines), "utf-8")
    result = cli("beam-predict", "--model", trained["model"], "--input", tmp_path / "in.jsonl",
                 "--output", tmp_path / "c", "--output-format", "csv")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [row for path in tmp_path.glob("c-*.csv")
            for row in csv.DictReader(open(path, encoding="utf-8", newline=""))]
    assert sorted(row["text"] for row in rows) == sorted(lines)
    assert all(row["top_k"].startswith(row["label"] + ":") for row in rows)


def test_a_missing_model_is_a_one_line_error(cli, tmp_path, assert_one_line_error):
    (tmp_path / "in.txt").write_text("a film\n")
    result = cli("beam-predict", "--model", tmp_path / "nope.textcnn", "--input", tmp_path / "in.txt",
                 "--output", tmp_path / "out")
    assert_one_line_error(result, f"No such model file: {tmp_path / 'nope.textcnn'}")
