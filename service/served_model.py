"""One version of one model, as served: the classifier, its batcher, and what /models shows."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np

from textcnn_service.batching import MicroBatcher
from textcnn_service.errors import ApiError

WARMUP_TEXTS = ("warm up", "a slightly longer sentence to warm the model up , with punctuation !")


class ServedModel:
    """A loaded text model version behind its own micro-batcher (image models:
    :class:`service.served_image_model.ServedImageModel`, which shares all but the inputs).

    Args:
        name: the model's name (its directory under ``models_dir``).
        version: its version number.
        classifier: a :class:`textcnn.inference.TextClassifier` (or anything with ``labels``,
            ``tokenizer``, ``vocabulary``, ``manifest`` and ``predict_proba_encoded``).
        max_batch_size, max_batch_wait_ms: see :class:`service.batching.MicroBatcher`.
        max_tokens: tokens of a text the model sees (the model's own ``max_tokens``, if smaller,
            wins); the rest of a long text is cut off.
        metrics: a :class:`service.metrics.Metrics`, or ``None``.
        source: where the version came from (shown by ``GET /models/<name>``).
        load_seconds: how long loading took.
    """

    input_kind = "text"

    def __init__(self, name: str, version: int, classifier, *, max_batch_size: int = 64,
                 max_batch_wait_ms: float = 2.0, max_tokens: int = 1000, metrics=None,
                 source: str | None = None, load_seconds: float = 0.0):
        self.name = name
        self.version = int(version)
        self.classifier = classifier
        self.labels = list(classifier.labels)
        self.manifest = dict(getattr(classifier, "manifest", {}) or {})
        self.source = source
        self.load_seconds = load_seconds
        self.loaded_at = time.time()
        self.warm = False
        self._prepare_inputs(classifier, max_tokens)
        self.metrics = metrics
        self.batcher = MicroBatcher(self._model_call(), max_batch_size, max_batch_wait_ms,
                                    name=f"{name}-v{self.version}", on_batch=self._on_batch,
                                    on_queue=self._on_queue)

    def _prepare_inputs(self, classifier, max_tokens: int) -> None:
        tokenizer = classifier.tokenizer
        self.max_tokens = min(max_tokens, tokenizer.max_tokens or max_tokens)
        # Truncation is ours (see encode), so the tokenizer's own cut is taken off.
        self._tokenizer = dataclasses.replace(tokenizer, max_tokens=None)
        self._vocabulary = classifier.vocabulary

    def _model_call(self):
        """What the batcher calls with the encoded inputs of several requests."""
        return self.classifier.predict_proba_encoded

    def _on_batch(self, texts: int, requests: int, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.observe_batch(self.name, texts, requests, seconds)

    def _on_queue(self, depth: int) -> None:
        if self.metrics is not None:
            self.metrics.set_queue_depth(self.name, depth)

    # -- prediction ---------------------------------------------------------------------------------

    def encode_one(self, text: str) -> list[int]:
        """The index sequence of the first `max_tokens` tokens of `text`.

        A long text is tokenised only as far as needed: a prefix of ``32 * max_tokens``
        characters is tried first and kept when it yields more tokens than needed (the cut can
        change only the prefix's last two tokens), so a 1 MB text costs no more than a short one.
        """
        limit = self.max_tokens
        window = 32 * limit
        if len(text) > window:
            tokens = self._tokenizer.tokenize(text[:window])
            if len(tokens) > limit + 1:
                return self._vocabulary.encode(tokens[:limit])
        return self._vocabulary.encode(self._tokenizer.tokenize(text)[:limit])

    def encode(self, texts) -> list[list[int]]:
        return [self.encode_one(text) for text in texts]

    def predict_proba(self, texts, timeout: float = 60.0) -> np.ndarray:
        """Probabilities, one row per text, columns in `labels` order (batched with other callers)."""
        return self.predict_proba_encoded(self.encode(texts), timeout)

    def predict_proba_encoded(self, sequences, timeout: float = 60.0) -> np.ndarray:
        future = self.batcher.submit(sequences)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise ApiError(503, "timeout", f"Model {self.name!r} did not answer within {timeout:g} s") from None

    def classify(self, texts, top_k: int = 1) -> list[dict]:
        """For each input: its best label and score, and its `top_k` labels, best first."""
        probabilities = self.predict_proba(texts)
        k = min(top_k, len(self.labels))
        ranked = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        results = []
        for row, top in zip(probabilities, ranked):
            entries = [{"label": self.labels[j], "score": float(row[j])} for j in top]
            results.append({"label": entries[0]["label"], "score": entries[0]["score"], "top_k": entries})
        return results

    def warm_up(self) -> None:
        """A smoke prediction through the batcher (traces the model, so the first request is not
        slow). Raises ValueError when the answer is not a probability distribution over the labels."""
        probes = self.warmup_inputs()
        self.predict_proba(probes[:1], timeout=300)  # a lone text runs another graph than a batch
        probabilities = self.predict_proba(probes, timeout=300)
        expected = (len(probes), len(self.labels))
        if probabilities.shape != expected:
            raise ValueError(f"the smoke prediction has shape {probabilities.shape}, expected {expected}")
        if not np.all(np.isfinite(probabilities)):
            raise ValueError("the smoke prediction is not finite (NaN or infinite scores)")
        if np.any(probabilities < -1e-6) or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
            raise ValueError("the smoke prediction is not a probability distribution")
        self.warm = True

    def warmup_inputs(self) -> list:
        return list(WARMUP_TEXTS)

    def close(self, drain: bool = True, timeout: float | None = 30.0) -> None:
        self.batcher.close(drain=drain, timeout=timeout)

    # -- description --------------------------------------------------------------------------------

    def describe_inputs(self) -> dict:
        """What /models/<name> says of the inputs the model takes."""
        return {
            "vocabulary_size": len(self._vocabulary),
            "max_tokens": self.max_tokens,
            "tokenizer": self.manifest.get("tokenizer", self._tokenizer.get_config()),
            "embeddings": self.manifest.get("embeddings"),
        }

    def describe(self) -> dict:
        manifest = self.manifest
        return {
            "name": self.name,
            "version": self.version,
            "labels": self.labels,
            "input_kind": self.input_kind,
            **self.describe_inputs(),
            "evaluation": manifest.get("evaluation"),
            "training": manifest.get("config"),
            "data": manifest.get("data"),
            "created": manifest.get("created"),
            "textcnn_version": manifest.get("textcnn_version"),
            "keras_version": manifest.get("keras_version"),
            "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.loaded_at)),
            "load_seconds": round(self.load_seconds, 3),
            "warm": self.warm,
        }

    def __repr__(self) -> str:
        return f"ServedModel(name={self.name!r}, version={self.version}, labels={self.labels})"
