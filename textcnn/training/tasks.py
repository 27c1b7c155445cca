"""The kinds of model training knows, in one table: what `fit` calls for each ``task``.

Adding a kind of model means adding an entry here (and its TrainConfig fields, scoped to it with
``option(..., task=NAME)``); nothing else in the loop or the API changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textcnn.training.image import train_images
from textcnn.training.text import train_text


@dataclass(frozen=True)
class Task:
    """One kind of model: `train(config, dataset, train, dev, test, run_dir, resume, verbose)`
    returns a TrainResult; `cross_validation` says whether k-fold CV applies (image benchmarks
    have fixed splits)."""

    name: str
    train: Callable
    cross_validation: bool


TASKS: dict[str, Task] = {
    "text": Task("text", train_text, cross_validation=True),
    "image": Task("image", train_images, cross_validation=False),
}
