"""A trained text classifier: tokeniser + vocabulary + Keras model + labels, as one object."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from textcnn.artifact import load_artifact, save_artifact
from textcnn.data.batching import pad_batch
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary
from textcnn.errors import TextcnnError


class TextClassifier:
    """Predicts labels of raw texts.

    Example:
    >>> clf = textcnn.load("runs/mr/model.textcnn")
    >>> clf.predict(["a gripping film"], k=2)
    [[('positive', 0.91), ('negative', 0.09)]]
    """

    def __init__(self, model, tokenizer: Tokenizer, vocabulary: Vocabulary, labels: Sequence[str],
                 manifest: dict | None = None):
        self.model = model
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.labels = list(labels)
        self.manifest = dict(manifest or {})
        self._traced = None

    # -- loading and saving -------------------------------------------------------------------

    @classmethod
    def load(cls, path) -> "TextClassifier":
        model, manifest, tokens = load_artifact(path)
        if manifest.get("kind", "text") != "text" or tokens is None:
            raise TextcnnError(f"{path} is not a text model")
        return cls(model, Tokenizer(**manifest["tokenizer"]), Vocabulary(tokens), manifest["labels"],
                   manifest)

    def save(self, path) -> Path:
        manifest = {**self.manifest, "kind": "text", "labels": self.labels,
                    "tokenizer": self.tokenizer.get_config()}
        return save_artifact(path, self.model, manifest, self.vocabulary.tokens)

    # -- prediction ---------------------------------------------------------------------------

    def encode(self, texts: Iterable[str]) -> list[list[int]]:
        return [self.vocabulary.encode(self.tokenizer.tokenize(text)) for text in texts]

    def _call(self, batch: np.ndarray) -> np.ndarray:
        if self._traced is None:
            import tensorflow as tf

            model = self.model
            # One traced graph for every batch shape: model.predict is many times slower on
            # small batches.
            self._traced = tf.function(
                lambda tokens: model(tokens, training=False),
                input_signature=[tf.TensorSpec((None, None), tf.int32)],
                reduce_retracing=True,
            )
        return self._traced(batch).numpy()

    def predict_proba_encoded(self, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
        """Probabilities for already-encoded texts, batched by similar length."""
        out = np.zeros((len(sequences), len(self.labels)), dtype="float32")
        order = np.argsort([len(s) for s in sequences], kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            out[idx] = self._call(pad_batch([sequences[i] for i in idx]))
        return out

    def predict_proba(self, texts: Sequence[str] | str, batch_size: int = 256) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), len(labels))``, columns in `labels` order."""
        if isinstance(texts, str):
            texts = [texts]
        return self.predict_proba_encoded(self.encode(texts), batch_size)

    def predict(self, texts: Sequence[str] | str, k: int = 1, threshold: float | None = None,
                batch_size: int = 256) -> list[list[tuple[str, float]]]:
        """For each text, its `k` most probable labels with their probabilities, best first,
        leaving out those below `threshold`."""
        if k < 1:
            raise TextcnnError(f"`k` must be at least 1. Received: k={k}")
        return self.top_k(self.predict_proba(texts, batch_size), k, threshold)

    def top_k(self, probabilities: np.ndarray, k: int, threshold: float | None):
        k = min(k, len(self.labels))
        ranked = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [
            [(self.labels[j], float(row[j])) for j in top if threshold is None or row[j] >= threshold]
            for row, top in zip(probabilities, ranked)
        ]

    def __repr__(self) -> str:
        return (f"TextClassifier(labels={self.labels}, vocabulary={len(self.vocabulary)} tokens, "
                f"variant={self.manifest.get('config', {}).get('variant')!r})")


def load(path) -> TextClassifier:
    """Loads a trained model artifact (``model.textcnn``)."""
    return TextClassifier.load(path)
