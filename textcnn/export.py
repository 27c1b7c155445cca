"""Exporting a trained model to other runtimes: a TensorFlow SavedModel for TensorFlow Serving.

The SavedModel's ``serving_default`` signature takes raw texts and does everything
``TextClassifier.predict_proba`` does inside the graph: tokenisation (`GraphTokenizer`), the
vocabulary lookup (the vocabulary is a SavedModel asset, ``assets/vocabulary.txt``), padding,
the network. Its outputs:

- ``probabilities``: ``float32 (batch, labels)``, columns in label order;
- ``label``: ``string (batch,)``, the most probable label;
- ``score``: ``float32 (batch,)``, its probability.

Every output has the batch as its first dimension, as TensorFlow Serving's row format needs. The
artifact's manifest (label names in column order included) is copied to ``assets.extra/manifest.json`` (TensorFlow Serving ignores
that folder). For TensorFlow Serving, export to ``<model_base_path>/<version>``, e.g.
``models/mr/1``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import tensorflow as tf

from textcnn.data.graph_tokenizer import GraphTokenizer
from textcnn.errors import TextcnnError

FORMATS = ("savedmodel",)
SIGNATURE = "serving_default"


def export(model_path, output, format: str = "savedmodel") -> Path:
    """Exports the artifact at `model_path` to `output` in `format`.

    Example:
    >>> export("runs/mr/model.textcnn", "models/mr/1")
    PosixPath('models/mr/1')
    """
    from textcnn.artifact import load_artifact

    if format not in FORMATS:
        raise TextcnnError(f"`format` must be one of {', '.join(FORMATS)}. Received: format={format!r}")
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise TextcnnError(f"{output} already exists and is not empty; choose another --output")
    model, manifest, _ = load_artifact(model_path)
    if manifest.get("kind", "text") != "text":
        raise TextcnnError(f"Exporting {manifest.get('kind')} models is not supported yet")
    from textcnn.inference.text import TextClassifier

    return export_savedmodel(TextClassifier.load(model_path), output)


def export_savedmodel(classifier, output) -> Path:
    """Writes `classifier` (a :class:`TextClassifier`) as a SavedModel in `output`."""
    output = Path(output)
    with tempfile.TemporaryDirectory() as scratch:
        vocabulary_file = Path(scratch) / "vocabulary.txt"
        vocabulary_file.write_text("\n".join(classifier.vocabulary.tokens) + "\n", "utf-8")
        module = TextServing(classifier, str(vocabulary_file))
        tf.saved_model.save(module, str(output), signatures={SIGNATURE: module.serve})
    extra = output / "assets.extra"
    extra.mkdir(exist_ok=True)
    (extra / "manifest.json").write_text(json.dumps(
        {**classifier.manifest, "labels": classifier.labels,
         "tokenizer": classifier.tokenizer.get_config()}, indent=2) + "\n")
    return output


class TextServing(tf.Module):
    """Raw texts in, probabilities out; tokenizer, vocabulary and labels inside."""

    def __init__(self, classifier, vocabulary_file: str):
        super().__init__(name="textcnn")
        self.model = classifier.model
        self.tokenizer = GraphTokenizer(classifier.tokenizer)
        self.vocabulary_file = tf.saved_model.Asset(vocabulary_file)
        self.vocabulary = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                self.vocabulary_file, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
                tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER),
            default_value=1)  # the unknown token
        self.labels = tf.constant(classifier.labels, tf.string)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def serve(self, texts):
        ids = tf.ragged.map_flat_values(self.vocabulary.lookup, self.tokenizer(texts))
        ids = tf.cast(ids.to_tensor(0), tf.int32)
        ids = tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])
        probabilities = self.model(ids, training=False)
        best = tf.argmax(probabilities, axis=1, output_type=tf.int32)
        return {"probabilities": probabilities, "label": tf.gather(self.labels, best),
                "score": tf.reduce_max(probabilities, axis=1)}
