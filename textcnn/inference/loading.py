""":func:`load`: the classifier an artifact holds, text or image."""

from __future__ import annotations

from textcnn.artifact import load_artifact
from textcnn.inference.base import Classifier
from textcnn.inference.image import ImageClassifier
from textcnn.inference.text import TextClassifier


def load(path) -> Classifier:
    """Loads a trained model artifact (``model.textcnn``): a :class:`TextClassifier`, or an
    :class:`ImageClassifier` for an image model."""
    model, manifest, tokens = load_artifact(path)
    if manifest.get("kind", "text") == "image":
        return ImageClassifier.from_artifact(path, model, manifest)
    return TextClassifier.from_artifact(path, model, manifest, tokens)
