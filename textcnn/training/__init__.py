"""Training: one epoch loop for every kind of model, the text and image specialisations
registered in one table, and the public API.

- :mod:`textcnn.training.api`: `fit`, `train`, `cross_validate`, `evaluate` (what ``textcnn
  train`` / ``cv`` and ``import textcnn`` call);
- :mod:`textcnn.training.tasks`: ``TASKS``, the table of kinds of model;
- :mod:`textcnn.training.text`, :mod:`textcnn.training.image`: what differs per kind (inputs,
  model, classifier);
- :mod:`textcnn.training.loop`: the epoch loop (early stopping, best epoch, checkpoints,
  TensorBoard, distribution), returning a :class:`TrainedModel`;
- :mod:`textcnn.training.checkpoints`, :mod:`textcnn.training.optimizers`,
  :mod:`textcnn.training.distribute`, :mod:`textcnn.training.experiments`.
"""

from textcnn.backend import require_tensorflow_backend
from textcnn.data.configured import cv_fold_splits, load_config_dataset, make_tokenizer, split_for_training
from textcnn.training.api import cross_validate, fit, summarize_cv, train
from textcnn.training.image import train_on_image_splits
from textcnn.training.loop import TrainedModel, seed_everything
from textcnn.training.optimizers import make_optimizer
from textcnn.training.results import TrainResult, evaluate
from textcnn.training.text import train_on_splits

require_tensorflow_backend()

__all__ = [
    "TrainResult", "TrainedModel", "cross_validate", "cv_fold_splits", "evaluate", "fit", "load_config_dataset",
    "make_optimizer", "make_tokenizer", "seed_everything", "split_for_training", "summarize_cv",
    "train", "train_on_image_splits", "train_on_splits",
]
