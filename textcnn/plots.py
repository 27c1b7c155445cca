"""Run plots: the learning curve and the confusion matrix, as PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curve(history: list[dict], path: Path) -> None:
    """Loss and accuracy per epoch, train and dev; an ensemble's rows (with a ``member``) give one
    curve per member, each key in one colour."""
    plt = _pyplot()
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    members = sorted({row.get("member", 0) for row in history})
    for number, member in enumerate(members):
        rows = [row for row in history if row.get("member", 0) == member]
        epochs = [row["epoch"] for row in rows]
        for ax, keys in ((loss_ax, ("loss", "dev_loss")), (acc_ax, ("accuracy", "dev_accuracy"))):
            for key, style, color in zip(keys, ("-", "--"), ("C0", "C1")):
                ax.plot(epochs, [row[key] for row in rows], style, color=color,
                        label=key.replace("_", " ") if number == 0 else None)
    for ax, title in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion_matrix(report: dict, path: Path) -> None:
    plt = _pyplot()
    matrix = np.asarray(report["confusion_matrix"])
    labels = report["labels"]
    size = max(4.0, 0.5 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if len(labels) <= 20:
        threshold = matrix.max() / 2 if matrix.size else 0
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if value > threshold else "black")
    ax.set_title(f"accuracy {report['accuracy']:.4f}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
