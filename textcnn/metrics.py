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
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    confusion = confusion_matrix(y_true, y_pred, len(labels))
    true_positives = np.diag(confusion).astype(float)
    predicted, support = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = _ratio(true_positives, predicted)
    recall = _ratio(true_positives, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    micro_precision = _ratio(true_positives.sum(), predicted.sum())
    micro_recall = _ratio(true_positives.sum(), support.sum())
    return {
        "examples": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "macro_f1": float(f1.mean()) if len(labels) else 0.0,
        "micro_f1": float(_ratio(2 * micro_precision * micro_recall, micro_precision + micro_recall)),
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)}
            for label, p, r, f, n in zip(labels, precision, recall, f1, support)
        },
        "labels": list(labels),
        "confusion_matrix": confusion.tolist(),
    }


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """``(classes, classes)`` counts, rows true classes, columns predicted ones; pairs with an
    index outside ``range(classes)`` are left out (as scikit-learn's ``labels=`` does)."""
    keep = (y_true >= 0) & (y_true < classes) & (y_pred >= 0) & (y_pred < classes)
    flat = y_true[keep] * classes + y_pred[keep]
    return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def _ratio(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


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


def mean_std(values, digits: int = 2, scale: float = 1.0) -> str:
    """``"mean ± std"`` of repeated runs (sample std); ``None`` values are left out, one run has no
    spread (``"± n/a"``), none gives ``"n/a"``.

    Example:
    >>> mean_std([0.5, 0.7], digits=1, scale=100)
    '60.0 ± 14.1'
    """
    values = np.asarray([v for v in values if v is not None], dtype=float) * scale
    if len(values) == 0:
        return "n/a"
    if len(values) < 2:
        return f"{values.mean():.{digits}f} ± n/a"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"

