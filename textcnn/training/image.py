"""Training image classifiers through the shared epoch loop of :mod:`textcnn.training.loop`.

Only what differs from text lives here: the model is :func:`textcnn.models.build_image_model`,
batches are slices of an image array (randomly shifted and rotated when ``augment`` asks), and
the classifier carries the image size and colour mode instead of a vocabulary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textcnn.data.images import ImageSet
from textcnn.errors import TextcnnError
from textcnn.inference.image import ImageClassifier
from textcnn.training.ensemble import train_ensemble
from textcnn.training.inputs import TrainingInputs, batch_bounds
from textcnn.training.loop import seed_everything
from textcnn.messages import log
from textcnn.training.results import TrainResult, finish_training


def build_model(config, input_shape, classes: int):
    """The image model `config` names, its construction errors worded as user errors."""
    from textcnn.models import IMAGE_ARCHITECTURES, build_image_model

    if config.arch not in IMAGE_ARCHITECTURES:
        raise TextcnnError(f"`arch` must be one of {', '.join(IMAGE_ARCHITECTURES)}. Received: arch={config.arch!r}")
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in (config.arch_options or {}).items()}
    try:
        return build_image_model(config.arch, tuple(input_shape), classes, seed=config.seed,
                                 dropout=config.dropout, **options)
    except ValueError as error:
        raise TextcnnError(str(error)) from None


class ImageInputs(TrainingInputs):
    """Batches sliced out of the training images, augmented when `config.augment` asks."""

    def __init__(self, config, train: ImageSet, dev: ImageSet, classes: int):
        super().__init__(config, train.labels, classes, np.zeros(len(train), "int32"))
        self.images, self.dev_images = train.images, dev.images
        self.input_shape = tuple(train.images.shape[1:])
        self._tensor = None

    def build(self):
        return build_model(self.config, self.input_shape, self.classes)

    def dataset_of(self, batches, widest, epoch):
        import tensorflow as tf

        from textcnn.data.augmentation import build_augmentation

        if self._tensor is None:  # once: every epoch gathers its batches from it
            with tf.device("/cpu:0"):
                self._tensor = tf.constant(self.images)
        images = self._tensor
        order = np.concatenate(batches).astype("int64")
        index = tf.constant(order)
        y, w = tf.constant(self.train_y[order]), tf.constant(self.weights[order])

        def batch(start, end):
            return tf.gather(images, index[start:end]), y[start:end], w[start:end]

        data = tf.data.Dataset.from_tensor_slices(batch_bounds(batches))
        data = data.map(batch, num_parallel_calls=1)
        # A seed per run and epoch: a resumed run draws the same shifts as an uninterrupted one.
        augmentation = build_augmentation(self.config.augment, seed=self.config.seed * 10_007 + epoch)
        if augmentation is not None:
            data = data.map(lambda x, y_, w_: (augmentation(x, training=True), y_, w_), num_parallel_calls=1)
        return data.prefetch(2)

    def dev_scorer(self, model):
        scorer = ImageClassifier(model, [str(i) for i in range(self.classes)], self.input_shape)
        return lambda: scorer.predict_proba(self.dev_images)


def train_on_image_splits(config, train: ImageSet, dev: ImageSet, test: ImageSet | None,
                          class_names: list[str], run_dir: Path | None = None, resume: bool = False,
                          verbose: int = 1, dataset_name: str = "") -> TrainResult:
    """Trains an image model on `train`, keeps the epoch best on `dev`, evaluates on `test`."""
    if not len(train):
        raise TextcnnError("The training split is empty")
    if len(np.unique(train.labels)) < 2:
        raise TextcnnError("The training split needs at least two different labels")
    seed_everything(config.seed, config.deterministic)
    log(f"textcnn: {len(train)} train / {len(dev)} dev / {len(test) if test else 0} test images "
         f"of shape {tuple(train.images.shape[1:])}, {len(class_names)} classes, arch {config.arch}", verbose)
    inputs = ImageInputs(config, train, dev, len(class_names))
    # One model, or (`ensemble`) several on the same splits, averaged.
    trained, ensemble = train_ensemble(config, lambda c: ImageInputs(c, train, dev, len(class_names)),
                                       np.asarray(dev.labels), run_dir, resume, verbose)
    color_mode = config.color_mode or ("rgb" if inputs.input_shape[-1] == 3 else "grayscale")
    classifier = ImageClassifier(trained.model, class_names, inputs.input_shape, color_mode)
    result = finish_training(config, classifier, trained, train, dev, test, dataset_name, run_dir, kind="image",
                             **ensemble)
    result.classifier.manifest["preprocessing"] = classifier.preprocessing
    return result


def train_images(config, dataset, train, dev, test, run_dir: Path | None, resume: bool, verbose: int) -> TrainResult:
    """The image task's entry in :data:`textcnn.training.tasks.TASKS`."""
    return train_on_image_splits(config, train, dev, test, dataset.label_names, run_dir, resume, verbose,
                                 dataset.name)
