"""Bad input: exit status 1 and exactly one ``textcnn: error: ...`` line on stderr, no traceback.

The commands are independent, so they run a few at a time (each pays TensorFlow's start-up).
"""

from __future__ import annotations

import json
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from textcnn.data.datasets import BENCHMARKS

BENCHMARK_NAMES = ", ".join(BENCHMARKS)

# id: (command line with {placeholders}, stdin, expected message with {placeholders}, exact match)
CASES = {
    "missing-dataset-file": (
        ["train", "--dataset", "{dir}/missing.csv", "--output-dir", "{dir}/run"], None,
        "Unknown dataset '{dir}/missing.csv': not a file, and not one of " + BENCHMARK_NAMES, True),
    "unknown-dataset-name": (
        ["train", "--dataset", "imdb", "--output-dir", "{dir}/run"], None,
        "Unknown dataset 'imdb': not a file, and not one of " + BENCHMARK_NAMES, True),
    "empty-dataset-file": (
        ["train", "--dataset", "{dir}/empty.csv", "--output-dir", "{dir}/run"], None,
        "{dir}/empty.csv holds no examples", True),
    "header-only-dataset-file": (
        ["train", "--dataset", "{dir}/header-only.csv", "--output-dir", "{dir}/run"], None,
        "{dir}/header-only.csv holds no examples", True),
    "missing-label-column": (
        ["train", "--dataset", "{train}", "--label-column", "stars", "--output-dir", "{dir}/run"], None,
        "{train} has no column 'stars'; its columns are: text, label", True),
    "missing-text-column-in-training-csv": (
        ["train", "--dataset", "{dir}/no-text.csv", "--output-dir", "{dir}/run"], None,
        "{dir}/no-text.csv has no column 'text'; its columns are: body, label", True),
    "invalid-utf8-training-file": (
        ["train", "--dataset", "{dir}/latin1.csv", "--output-dir", "{dir}/run"], None,
        "{dir}/latin1.csv is not valid utf-8 (byte 17); pass the file's encoding, e.g. --encoding cp1252",
        True),
    "invalid-variant": (
        ["train", "--dataset", "{train}", "--variant", "bogus", "--output-dir", "{dir}/run"], None,
        "`variant` must be one of rand, static, non-static, multichannel. Received: variant='bogus'", True),
    "static-variant-without-vectors": (
        ["train", "--dataset", "{train}", "--variant", "static", "--output-dir", "{dir}/run"], None,
        "The static variant needs pretrained vectors: pass --vectors", True),
    "missing-model-file": (
        ["evaluate", "--model", "{dir}/missing.textcnn", "--dataset", "{test}"], None,
        "No such model file: {dir}/missing.textcnn", True),
    "corrupt-model-file": (
        ["predict", "--model", "{dir}/random.textcnn", "some text"], None,
        "{dir}/random.textcnn is not a textcnn model file, or it is corrupt", True),
    "model-from-a-newer-format": (
        ["evaluate", "--model", "{dir}/future.textcnn", "--dataset", "{test}"], None,
        "{dir}/future.textcnn has model format version 999, newer than this textcnn reads (1); "
        "upgrade textcnn", True),
    "info-on-a-newer-format": (
        ["info", "{dir}/future.textcnn"], None,
        "{dir}/future.textcnn has model format version 999, newer than this textcnn reads (1); "
        "upgrade textcnn", True),
    "info-on-a-zip-without-manifest": (
        ["info", "{dir}/no-manifest.textcnn"], None,
        "{dir}/no-manifest.textcnn is not a textcnn model: no readable manifest", True),
    "evaluate-with-unknown-labels": (
        ["evaluate", "--model", "{model}", "--dataset", "{dir}/unknown-labels.csv"], None,
        "Labels the model does not know: maybe, zzz", True),
    "predict-top-k-0": (
        ["predict", "--model", "{model}", "--top-k", "0", "a text"], None,
        "--top-k must be at least 1. Received: 0", True),
    "predict-threshold-above-1": (
        ["predict", "--model", "{model}", "--threshold", "1.5", "a text"], None,
        "--threshold must be between 0 and 1. Received: 1.5", True),
    "predict-missing-input-file": (
        ["predict", "--model", "{model}", "--input", "{dir}/missing.txt"], None,
        "No such file: {dir}/missing.txt", True),
    "predict-csv-without-the-text-column": (
        ["predict", "--model", "{model}", "--input", "{dir}/no-text.csv"], None,
        "{dir}/no-text.csv has no column 'text'; its columns are: body, label", True),
    "predict-invalid-utf8-lines-file": (
        ["predict", "--model", "{model}", "--input", "{dir}/latin1.txt"], None,
        "{dir}/latin1.txt is not valid utf-8; pass --encoding", True),
    "predict-invalid-utf8-csv-file": (
        ["predict", "--model", "{model}", "--input", "{dir}/latin1.csv"], None,
        "{dir}/latin1.csv is not valid utf-8; pass --encoding", True),
    "predict-invalid-utf8-stdin": (
        ["predict", "--model", "{model}"], b"caf\xe9\n",
        "stdin is not valid utf-8; pass --encoding", True),
    "predict-output-in-a-missing-folder": (
        ["predict", "--model", "{model}", "--output", "{dir}/no/such/folder/out.jsonl", "a text"], None,
        "Cannot write {dir}/no/such/folder/out.jsonl: No such file or directory", True),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, trained, tiny_data) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("bad-input")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "header-only.csv").write_text("text,label\n")
    (folder / "no-text.csv").write_text("body,label\ngood film,pos\n")
    (folder / "latin1.csv").write_bytes(b"text,label\nun caf\xe9 noir,pos\n")
    (folder / "latin1.txt").write_bytes(b"un caf\xe9 noir\n")
    (folder / "unknown-labels.csv").write_text("text,label\ngood,pos\nodd,zzz\nhm,maybe\n")
    (folder / "random.textcnn").write_bytes(os.urandom(4096))
    with zipfile.ZipFile(folder / "no-manifest.textcnn", "w") as archive:
        archive.writestr("readme.txt", "not a model")
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
        args, stdin, _, _ = CASES[case]
        return cli(*[arg.format(**bad_files) for arg in args], input=stdin, cwd=bad_files["dir"])

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(CASES, pool.map(run, CASES)))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_one_error_line(case, outcomes, bad_files, assert_one_line_error):
    _, _, message, exact = CASES[case]
    result = outcomes[case]
    assert_one_line_error(result, message.format(**bad_files), exact)
    stdout = result.stdout if isinstance(result.stdout, str) else result.stdout.decode()
    assert stdout == ""


def test_a_failed_training_leaves_no_model(outcomes, bad_files):
    assert not os.path.exists(os.path.join(bad_files["dir"], "run", "model.textcnn"))


def test_malformed_command_line_is_exit_status_2(cli):
    result = cli("predict")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "textcnn: error: the following arguments are required: --model"
