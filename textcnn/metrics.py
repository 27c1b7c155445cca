"""Evaluation reports: accuracy, macro/micro F1, per-class precision/recall/F1, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def classification_report(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> dict:
    """A JSON-ready report of predictions `y_pred` against `y_true` (class indices into `labels`).

    Example:
    >>> classification_report([0, 1, 1], [0, 1, 0], ["neg", "pos"])["accuracy"]
    0.6666666666666666
    """
    from sklearn import metrics

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    indices = list(range(len(labels)))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=indices, zero_division=0
    )
    return {
        "examples": int(len(y_true)),
        "accuracy": float(metrics.accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "macro_f1": float(metrics.f1_score(y_true, y_pred, labels=indices, average="macro", zero_division=0)),
        "micro_f1": float(metrics.f1_score(y_true, y_pred, labels=indices, average="micro", zero_division=0)),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "labels": list(labels),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=indices).tolist(),
    }


def format_report(report: dict) -> str:
    """The report as a plain-text table."""
    width = max(8, *(len(label) for label in report["labels"]))
    lines = [
        f"examples {report['examples']}   accuracy {report['accuracy']:.4f}   "
        f"macro F1 {report['macro_f1']:.4f}   micro F1 {report['micro_f1']:.4f}",
        "",
        f"{'label':<{width}}  precision  recall      f1  support",
    ]
    for label, row in report["per_class"].items():
        lines.append(
            f"{label:<{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  {row['f1']:6.4f}  {row['support']:7d}"
        )
    lines += ["", "confusion matrix (rows: true, columns: predicted)"]
    cells = [[str(v) for v in row] for row in report["confusion_matrix"]]
    cell = max([len(label[:10]) for label in report["labels"]] + [len(c) for row in cells for c in row])
    lines.append(" " * (width + 2) + " ".join(f"{label[:10]:>{cell}}" for label in report["labels"]))
    for label, row in zip(report["labels"], cells):
        lines.append(f"{label:<{width}}  " + " ".join(f"{c:>{cell}}" for c in row))
    return "\n".join(lines)
