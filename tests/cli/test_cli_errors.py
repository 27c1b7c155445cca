"""Bad input: exit status 1 and exactly one ``textcnn: error: ...`` line on stderr, no traceback.

The commands are independent, so they run two at a time (most pay TensorFlow's start-up).
"""

from __future__ import annotations

import json
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from textcnn.data.datasets import BENCHMARKS

BENCHMARK_NAMES = ", ".join(BENCHMARKS)

# id: (command line, the message after `textcnn: error: `), both with {placeholders}
CASES = {
    "missing-dataset-file": (
        ["train", "--dataset", "{dir}/missing.csv", "--output-dir", "{dir}/run"],
        "No such file: {dir}/missing.csv"),
    "unknown-dataset-name": (
        ["train", "--dataset", "imdb", "--output-dir", "{dir}/run"],
        "Unknown dataset 'imdb': not a file, and not one of " + BENCHMARK_NAMES),
    "empty-dataset-file": (
        ["train", "--dataset", "{dir}/empty.csv", "--output-dir", "{dir}/run"],
        "{dir}/empty.csv holds no examples"),
    "missing-label-column": (
        ["train", "--dataset", "{train}", "--label-column", "stars", "--output-dir", "{dir}/run"],
        "{train} has no column 'stars'; its columns are: text, label"),
    "invalid-utf8-training-file": (
        ["train", "--dataset", "{dir}/latin1.csv", "--output-dir", "{dir}/run"],
        "{dir}/latin1.csv is not valid utf-8 (byte 17); pass the file's encoding, e.g. --encoding cp1252"),
    "invalid-variant": (
        ["train", "--dataset", "{train}", "--variant", "bogus", "--output-dir", "{dir}/run"],
        "`variant` must be one of rand, static, non-static, multichannel. Received: variant='bogus'"),
    "missing-vector-file": (
        ["train", "--dataset", "{train}", "--variant", "static", "--vectors", "{dir}/nope.vec", "--output-dir", "{dir}/run"],
        "Embedding source not found: {dir}/nope.vec. Give a vector file, `archive.zip:member.txt`, or a named source (glove-6b-50d)."),
    "missing-model-file": (
        ["predict", "--model", "{dir}/missing.textcnn", "some text"],
        "No such model file: {dir}/missing.textcnn"),
    "corrupt-model-file": (
        ["predict", "--model", "{dir}/random.textcnn", "some text"],
        "{dir}/random.textcnn is not a textcnn model file, or it is corrupt"),
    "model-from-a-newer-format": (
        ["evaluate", "--model", "{dir}/future.textcnn", "--dataset", "{test}"],
        "{dir}/future.textcnn has model format version 999, newer than this textcnn reads (1); "
        "upgrade textcnn"),
    "evaluate-with-unknown-labels": (
        ["evaluate", "--model", "{model}", "--dataset", "{dir}/unknown-labels.csv"],
        "Labels the model does not know: maybe, zzz"),
    "predict-top-k-0": (
        ["predict", "--model", "{model}", "--top-k", "0", "a text"],
        "--top-k must be at least 1. Received: 0"),
    "predict-threshold-above-1": (
        ["predict", "--model", "{model}", "--threshold", "1.5", "a text"],
        "--threshold must be between 0 and 1. Received: 1.5"),
    "predict-missing-input-file": (
        ["predict", "--model", "{model}", "--input", "{dir}/missing.txt"],
        "No such file: {dir}/missing.txt"),
    "predict-csv-without-the-text-column": (
        ["predict", "--model", "{model}", "--input", "{dir}/no-text.csv"],
        "{dir}/no-text.csv has no column 'text'; its columns are: body, label"),
    "predict-invalid-utf8-csv-file": (
        ["predict", "--model", "{model}", "--input", "{dir}/latin1.csv"],
        "{dir}/latin1.csv is not valid utf-8; pass --encoding"),
    "predict-output-in-a-missing-folder": (
        ["predict", "--model", "{model}", "--output", "{dir}/no/such/folder/out.jsonl", "a text"],
        "Cannot write {dir}/no/such/folder/out.jsonl: No such file or directory"),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, trained, tiny_data) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("bad-input")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "no-text.csv").write_text("body,label\ngood film,pos\n")
    (folder / "latin1.csv").write_bytes(b"text,label\nun caf\xe9 noir,pos\n")
    (folder / "unknown-labels.csv").write_text("text,label\ngood,pos\nodd,zzz\nhm,maybe\n")
    (folder / "random.textcnn").write_bytes(os.urandom(4096))
    # A real model whose manifest claims a format version from the future.
    with zipfile.ZipFile(trained["model"]) as source, \
            zipfile.ZipFile(folder / "future.textcnn", "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["format_version"] = 999
                data = json.dumps(manifest).encode()
            target.writestr(info, data)
    return {"dir": str(folder), "model": str(trained["model"]), "train": str(tiny_data["train"]),
            "test": str(tiny_data["test"])}


@pytest.fixture(scope="module")
def outcomes(bad_files, cli) -> dict:
    def run(case):
        args, _ = CASES[case]
        return cli(*[arg.format(**bad_files) for arg in args], cwd=bad_files["dir"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(run, CASES)))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_one_error_line(case, outcomes, bad_files, assert_one_line_error):
    _, message = CASES[case]
    result = outcomes[case]
    assert_one_line_error(result, message.format(**bad_files))
    assert result.stdout == ""


def test_a_failed_training_leaves_no_model(outcomes, bad_files):
    assert not os.path.exists(os.path.join(bad_files["dir"], "run", "model.textcnn"))


def test_malformed_command_line_is_exit_status_2(cli):
    result = cli("predict")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == \
        "textcnn predict: error: the following arguments are required: --model"
