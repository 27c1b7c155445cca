"""What a training run returns and how a trained classifier is evaluated (text and images alike)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from textcnn import __version__
from textcnn.errors import TextcnnError
from textcnn.metrics import classification_report


@dataclass
class TrainResult:
    """What `fit` returns."""

    classifier: object  # a textcnn.inference TextClassifier or ImageClassifier
    report: dict | None
    dev_accuracy: float
    best_epoch: int
    history: list[dict]
    train_seconds: float
    train_examples: int
    output_dir: Path | None = None
    splits: dict = field(default_factory=dict)

    @property
    def sentences_per_second(self) -> float:
        return self.train_examples * len(self.history) / max(self.train_seconds, 1e-9)


def finish_training(config, classifier, trained, train, dev, test, dataset_name: str,
                    run_dir: Path | None, **manifest) -> TrainResult:
    """Evaluates the trained `classifier` on `test` and writes its manifest. `trained` is the
    loop's :class:`textcnn.training.loop.TrainedModel`."""
    report = evaluate(classifier, test) if test is not None and len(test) else None
    classifier.manifest = {
        "textcnn_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": config.to_dict(),
        "data": {"dataset": dataset_name, "train": len(train), "dev": len(dev),
                 "test": len(test) if test else 0},
        "evaluation": {"test": report, "dev_accuracy": trained.best_dev_accuracy, "best_epoch": trained.best_epoch},
        **manifest,
    }
    return TrainResult(classifier, report, trained.best_dev_accuracy, trained.best_epoch, trained.history,
                       trained.seconds, len(train), run_dir)


def evaluate(classifier, data) -> dict:
    """The classification report of `classifier` on labelled `data` (texts or images)."""
    from textcnn.data.images import ImageSet

    if isinstance(data, ImageSet):
        if len(data) and data.labels.max() >= len(classifier.labels):
            raise TextcnnError(f"Label {int(data.labels.max())} is out of range for the model's "
                               f"{len(classifier.labels)} classes")
        predicted = classifier.predict_proba(data.images).argmax(1)
        return classification_report(data.labels.tolist(), predicted, classifier.labels)
    unknown = sorted(set(data.labels) - set(classifier.labels))
    if unknown:
        raise TextcnnError(f"Labels the model does not know: {', '.join(unknown[:5])}")
    index = {label: i for i, label in enumerate(classifier.labels)}
    predicted = classifier.predict_proba(data.texts).argmax(1)
    return classification_report([index[l] for l in data.labels], predicted, classifier.labels)
