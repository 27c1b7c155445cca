"""What the shared epoch loop needs of one kind of data; text and images subclass it."""

from __future__ import annotations

import numpy as np


def class_weights(labels: np.ndarray, classes: int, mode: str | None) -> np.ndarray:
    """Per-class loss weights: ones, or with ``"balanced"`` inversely proportional to frequency."""
    if mode != "balanced":
        return np.ones(classes, dtype="float32")
    counts = np.bincount(labels, minlength=classes).astype("float32")
    return np.where(counts > 0, len(labels) / (classes * np.maximum(counts, 1)), 0).astype("float32")


def batch_bounds(batches: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each batch in the concatenation of `batches`."""
    sizes = np.array([len(b) for b in batches], dtype="int64")
    ends = np.cumsum(sizes)
    return ends - sizes, ends


class TrainingInputs:
    """The training labels, how to build the model, how to turn batches of example indices into
    a tf.data pipeline, and how to score the dev split."""

    def __init__(self, config, train_y: np.ndarray, classes: int, lengths: np.ndarray):
        self.config = config
        self.train_y = np.asarray(train_y, "int32")
        self.classes = classes
        self.lengths = lengths  # what batch_order buckets by (text: tokens; images: all equal)
        self.weights = class_weights(self.train_y, classes, config.class_weight)[self.train_y]

    def build(self):
        raise NotImplementedError

    def dataset_of(self, batches: list[np.ndarray], widest: list[np.ndarray], epoch: int):
        """A tf.data pipeline of ``(x, y, weight)`` batches, one for each array of example
        indices in `batches`; `widest[i]` is the global batch that `batches[i]` is part of."""
        raise NotImplementedError

    def dev_scorer(self, model):
        """A function of no arguments: the dev split's class probabilities under `model`."""
        raise NotImplementedError
