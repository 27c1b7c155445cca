"""A trained text classifier: the Keras model, its labels, tokeniser and vocabulary."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from textcnn.artifact import load_artifact, save_artifact
from textcnn.data.batching import pad_batch
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary
from textcnn.errors import TextcnnError
from textcnn.inference.base import Classifier
from textcnn.inference.packing import pack, packed_forward

log = logging.getLogger("textcnn")


class TextClassifier(Classifier):
    """Predicts labels of raw texts.

    Example:
    >>> clf = textcnn.load("runs/mr/model.textcnn")
    >>> clf.predict(["a gripping film"], k=2)
    [[('positive', 0.91), ('negative', 0.09)]]
    """

    def __init__(self, model, tokenizer: Tokenizer, vocabulary: Vocabulary, labels: Sequence[str],
                 manifest: dict | None = None):
        super().__init__(model, labels, manifest)
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.packing = True
        self._packed = None

    # -- loading and saving -------------------------------------------------------------------

    @classmethod
    def load(cls, path) -> "TextClassifier":
        return cls.from_artifact(path, *load_artifact(path))

    @classmethod
    def from_artifact(cls, path, model, manifest: dict, tokens) -> "TextClassifier":
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

    def _input_signature(self):
        import tensorflow as tf

        return tf.TensorSpec((None, None), tf.int32)

    def predict_proba_encoded(self, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
        """Probabilities for already-encoded texts, `batch_size` texts per model call: packed
        without padding when the model allows it (:mod:`textcnn.inference.packing`), else padded to the
        longest in batches of similar length. A single text runs padded (nothing to save, and
        the padded graph has fewer operations)."""
        out = np.zeros((len(sequences), len(self.labels)), dtype="float32")
        forward = self.packed_forward() if len(sequences) > 1 else None  # one text has no padding
        if forward is not None:
            for start in range(0, len(sequences), batch_size):
                chunk = sequences[start: start + batch_size]
                out[start: start + len(chunk)] = self._call_packed(forward, chunk)
            return out
        order = np.argsort([len(s) for s in sequences], kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            out[idx] = self._call(pad_batch([sequences[i] for i in idx]))
        return out

    def packed_forward(self):
        """The model's :class:`textcnn.inference.packing.PackedForward` when `packing` is on, the model can
        be packed and a probe gives the padded model's probabilities; else ``None``."""
        if not self.packing:
            return None
        if self._packed is None:
            self._packed = _checked_packed_forward(self.model, len(self.vocabulary)) or False
        return self._packed or None

    def _call_packed(self, forward, sequences) -> np.ndarray:
        import tensorflow as tf

        traced = self._traced("packed", forward, forward.input_signature)
        ids, owner = pack(sequences, forward.gap)
        return traced(tf.convert_to_tensor(ids), tf.convert_to_tensor(owner),
                      tf.constant(len(sequences), tf.int32)).numpy()

    def predict_proba(self, texts: Sequence[str] | str, batch_size: int = 256) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), len(labels))``, columns in `labels` order."""
        if isinstance(texts, str):
            texts = [texts]
        return self.predict_proba_encoded(self.encode(texts), batch_size)

    def __repr__(self) -> str:
        return (f"TextClassifier(labels={self.labels}, vocabulary={len(self.vocabulary)} tokens, "
                f"variant={self.manifest.get('config', {}).get('variant')!r})")


def _checked_packed_forward(model, vocab_size: int):
    """:func:`textcnn.inference.packing.packed_forward` of `model`, kept only if it gives the padded model's
    probabilities on a probe batch (sentences of 0 to 9 tokens)."""
    forward = packed_forward(model)
    if forward is None:
        return None
    rng = np.random.default_rng(0)
    probe = [rng.integers(1, max(vocab_size, 2), size=length).tolist() for length in (0, 1, 2, 3, 5, 9)]
    ids, owner = pack(probe, forward.gap)
    try:
        packed = np.asarray(forward(ids, owner, len(probe)))
    except Exception as error:  # a layer configuration packing does not cover
        log.warning("packed inference disabled for %s: %s", model.name, error)
        return None
    padded = np.asarray(model(pad_batch(probe), training=False))
    if packed.shape != padded.shape or not np.allclose(packed, padded, atol=1e-5):
        log.warning("packed inference disabled for %s: its probe differs from the padded model", model.name)
        return None
    return forward
