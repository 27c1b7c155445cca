"""What every trained classifier shares: a Keras model from a batch of inputs to class
probabilities, traced once into a concrete function, and the ranking of its probabilities into
labels. :class:`textcnn.inference.text.TextClassifier` adds a tokeniser and a vocabulary,
:class:`textcnn.inference.image.ImageClassifier` the image size and colour mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textcnn.errors import TextcnnError


class Classifier:
    """What text and image classifiers share: a Keras model from a batch of inputs to class
    probabilities, traced once, and the ranking of its probabilities into labels."""

    def __init__(self, model, labels: Sequence[str], manifest: dict | None = None):
        self.model = model
        self.labels = list(labels)
        self.manifest = dict(manifest or {})
        self._functions: dict = {}

    def _input_signature(self):
        raise NotImplementedError

    def _traced(self, name: str, function, signature):
        """`function` traced once for ``signature()`` (a list of ``tf.TensorSpec``, built only
        then: this is on every call's path), as a concrete
        function: one graph for every batch shape (``model.predict`` is many times slower on
        small batches), called without ``tf.function``'s per-call argument binding."""
        traced = self._functions.get(name)
        if traced is None:
            import tensorflow as tf

            traced = tf.function(function, input_signature=signature()).get_concrete_function()
            self._functions[name] = traced
        return traced

    def _call(self, batch: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        model = self.model
        traced = self._traced("padded", lambda inputs: model(inputs, training=False), lambda: [self._input_signature()])
        return traced(tf.convert_to_tensor(batch)).numpy()

    def predict_proba(self, inputs, batch_size: int = 256) -> np.ndarray:
        raise NotImplementedError

    def predict(self, inputs, k: int = 1, threshold: float | None = None,
                batch_size: int = 256) -> list[list[tuple[str, float]]]:
        """For each input, its `k` most probable labels with their probabilities, best first,
        leaving out those below `threshold`."""
        if k < 1:
            raise TextcnnError(f"`k` must be at least 1. Received: k={k}")
        return self.top_k(self.predict_proba(inputs, batch_size), k, threshold)

    def top_k(self, probabilities: np.ndarray, k: int, threshold: float | None):
        k = min(k, len(self.labels))
        ranked = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [
            [(self.labels[j], float(row[j])) for j in top if threshold is None or row[j] >= threshold]
            for row, top in zip(probabilities, ranked)
        ]
