"""The evaluation report is computed with NumPy alone (the core install has no scikit-learn);
it must agree with scikit-learn's metrics, the reference users know."""

import numpy as np
import pytest

from textcnn.metrics import classification_report

metrics = pytest.importorskip("sklearn.metrics")


@pytest.mark.parametrize("classes", [2, 3, 6, 50])
@pytest.mark.parametrize("examples", [1, 7, 300])
def test_report_agrees_with_scikit_learn(classes, examples):
    rng = np.random.default_rng(classes * 1000 + examples)
    y_true, y_pred = rng.integers(0, classes, examples), rng.integers(0, classes, examples)
    labels = [f"c{i}" for i in range(classes)]
    report = classification_report(y_true, y_pred, labels)
    indices = list(range(classes))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=indices, zero_division=0)
    assert report["accuracy"] == pytest.approx(metrics.accuracy_score(y_true, y_pred))
    assert report["macro_f1"] == pytest.approx(metrics.f1_score(y_true, y_pred, labels=indices, average="macro", zero_division=0))
    assert report["micro_f1"] == pytest.approx(metrics.f1_score(y_true, y_pred, labels=indices, average="micro", zero_division=0))
    assert [report["per_class"][l]["precision"] for l in labels] == pytest.approx(precision)
    assert [report["per_class"][l]["recall"] for l in labels] == pytest.approx(recall)
    assert [report["per_class"][l]["f1"] for l in labels] == pytest.approx(f1)
    assert [report["per_class"][l]["support"] for l in labels] == support.tolist()
    assert report["confusion_matrix"] == metrics.confusion_matrix(y_true, y_pred, labels=indices).tolist()


def test_empty_predictions_give_zeros_not_errors():
    report = classification_report([], [], ["a", "b"])
    assert report["accuracy"] == 0.0 and report["macro_f1"] == 0.0
    assert report["confusion_matrix"] == [[0, 0], [0, 0]]
