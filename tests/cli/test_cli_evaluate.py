"""`textcnn evaluate`: the report of a saved model on a labelled file."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def json_report(trained, tiny_data, cli) -> dict:
    result = cli("evaluate", "--model", trained["model"], "--dataset", tiny_data["test"], "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_report_fields(json_report):
    assert {"examples", "accuracy", "macro_f1", "micro_f1", "per_class", "labels",
            "confusion_matrix"} <= set(json_report)
    assert json_report["examples"] == 12
    assert json_report["labels"] == ["neg", "neu", "pos"]
    assert 0 <= json_report["macro_f1"] <= 1
    # Single-label micro F1 is accuracy.
    assert json_report["micro_f1"] == pytest.approx(json_report["accuracy"])


def test_per_class_and_confusion_matrix_agree(json_report):
    matrix = json_report["confusion_matrix"]
    assert len(matrix) == 3 and all(len(row) == 3 for row in matrix)
    assert sum(map(sum, matrix)) == 12
    correct = sum(matrix[i][i] for i in range(3))
    assert json_report["accuracy"] == pytest.approx(correct / 12)
    for i, label in enumerate(json_report["labels"]):
        row = json_report["per_class"][label]
        assert row["support"] == sum(matrix[i]) == 4
        assert set(row) == {"precision", "recall", "f1", "support"}
        assert row["recall"] == pytest.approx(matrix[i][i] / 4)


def test_a_fresh_process_gives_the_training_runs_report(json_report, trained):
    # The artifact carries its preprocessing: reloaded, it predicts exactly what it did in training.
    at_training = json.loads((trained["run_dir"] / "report.json").read_text())
    assert json_report["confusion_matrix"] == at_training["confusion_matrix"]
    assert json_report["accuracy"] == at_training["accuracy"]
