"""`textcnn train`, `train --resume`, `cv`, `info` and `--version`, run as a user would."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from textcnn import __version__


def read_metrics(run_dir):
    with open(run_dir / "metrics.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_version():
    result = subprocess.run([sys.executable, "-m", "textcnn", "--version"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"textcnn {__version__}\n"


def test_train_writes_the_run_directory(trained):
    run_dir = trained["run_dir"]
    for name in ("model.textcnn", "config.json", "metrics.csv", "report.json", "report.txt",
                 "learning_curve.png", "confusion_matrix.png", "vocabulary.txt"):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "tensorboard").is_dir() and any((run_dir / "tensorboard").rglob("events.out.tfevents.*"))
    latest = (run_dir / "checkpoints" / "LATEST").read_text().strip()
    assert latest == "epoch-0001"
    assert (run_dir / "checkpoints" / latest / "state.json").is_file()
    for png in ("learning_curve.png", "confusion_matrix.png"):
        assert (run_dir / png).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_train_config_holds_the_flags(trained, tiny_data):
    config = json.loads((trained["run_dir"] / "config.json").read_text())
    assert config["dataset"] == str(tiny_data["train"]) and config["test"] == str(tiny_data["test"])
    assert (config["feature_maps"], config["embedding_dim"], config["epochs"]) == (4, 8, 1)
    assert (config["preset"], config["optimizer"]) == ("fast", "adam")
    assert config["output_dir"] == str(trained["run_dir"])


def test_train_metrics_have_one_row_per_epoch(trained):
    rows = read_metrics(trained["run_dir"])
    assert [row["epoch"] for row in rows] == ["1"]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "dev_loss", "dev_accuracy", "seconds"}
    assert 0 <= float(rows[0]["dev_accuracy"]) <= 1


def test_train_report(trained):
    report = json.loads((trained["run_dir"] / "report.json").read_text())
    assert report["examples"] == 12
    assert report["labels"] == ["neg", "neu", "pos"]
    assert sum(map(sum, report["confusion_matrix"])) == 12
    text = (trained["run_dir"] / "report.txt").read_text().splitlines()
    assert text[0].startswith(f"examples 12   accuracy {report['accuracy']:.4f}   macro F1 ")
    assert "confusion matrix (rows: true, columns: predicted)" in text
    assert text[-1].startswith("pos ")  # the matrix's last row


def test_train_stdout_is_one_json_line(trained):
    result = trained["result"]
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    summary = json.loads(lines[0])
    assert set(summary) == {"model", "dev_accuracy", "best_epoch", "test_accuracy", "train_seconds",
                            "sentences_per_second"}
    assert summary["model"] == str(trained["model"])
    assert summary["best_epoch"] == 1
    report = json.loads((trained["run_dir"] / "report.json").read_text())
    assert summary["test_accuracy"] == report["accuracy"]
    assert "Traceback" not in result.stderr
    assert "epoch 1/1:" in result.stderr  # progress goes to stderr


def test_resume_continues_to_the_raised_epoch_count(run_copy, cli):
    config_path = run_copy / "config.json"
    config = json.loads(config_path.read_text())
    config.update(epochs=2, patience=None, output_dir=str(run_copy))
    config_path.write_text(json.dumps(config))

    result = cli("train", "--resume", "--output-dir", run_copy, cwd=run_copy)
    assert result.returncode == 0, result.stderr
    assert "textcnn: resuming after epoch 1 from " in result.stderr
    assert "epoch 1/2" not in result.stderr and "epoch 2/2:" in result.stderr
    assert [row["epoch"] for row in read_metrics(run_copy)] == ["1", "2"]
    assert (run_copy / "checkpoints" / "LATEST").read_text().strip() == "epoch-0002"
    assert not (run_copy / "checkpoints" / "epoch-0001").exists()
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["model"] == str(run_copy / "model.textcnn")
    assert json.loads(config_path.read_text())["epochs"] == 2


def test_resume_without_a_run_is_an_error(cli, tmp_path, assert_one_line_error):
    result = cli("train", "--resume", "--output-dir", tmp_path / "nothing")
    assert_one_line_error(result, f"Nothing to resume in {tmp_path / 'nothing'}: no config.json")
    assert not (tmp_path / "nothing").exists()


def test_cv_writes_every_fold_of_every_seed(cli, tiny_data, tiny_flags, tmp_path):
    out = tmp_path / "cv"
    result = cli("cv", "--dataset", tiny_data["train"], "--folds", "2", "--seeds", "0", "1",
                 *tiny_flags, "--output-dir", out, cwd=tiny_data["dir"])
    assert result.returncode == 0, result.stderr
    results = json.loads((out / "cv_results.json").read_text())
    assert (results["folds"], results["seeds"], results["dataset"]) == (2, [0, 1], "train")
    assert sorted((run["seed"], run["fold"]) for run in results["runs"]) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for run in results["runs"]:
        assert 0 <= run["accuracy"] <= 1 and run["epochs"] == 1
    summary = results["summary"]
    per_seed = [sum(r["accuracy"] for r in results["runs"] if r["seed"] == s) / 2 for s in (0, 1)]
    assert summary["mean"] == pytest.approx(sum(per_seed) / 2)
    assert summary["min"] == pytest.approx(min(per_seed)) and summary["max"] == pytest.approx(max(per_seed))
    assert summary["std"] >= 0 and summary["min"] <= summary["mean"] <= summary["max"]
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == summary
    assert "2-fold CV over seeds [0, 1]" in result.stderr


def test_info_prints_the_manifest(trained, cli):
    result = cli("info", trained["model"])
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert (manifest["format"], manifest["format_version"], manifest["kind"]) == ("textcnn-model", 1, "text")
    assert manifest["labels"] == ["neg", "neu", "pos"]
    assert manifest["tokenizer"] == {"scheme": "kim", "lowercase": True, "max_tokens": None}
    assert manifest["config"]["feature_maps"] == 4
    assert manifest["textcnn_version"] == __version__
    assert manifest["data"]["test"] == 12
