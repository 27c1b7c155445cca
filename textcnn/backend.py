"""The Keras backend that training and inference assume.

``textcnn.layers`` and ``textcnn.models`` use ``keras.ops`` only and run on any Keras 3 backend.
Training (tf.data pipelines, tf.distribute, TensorBoard) and inference (traced ``tf.function``
calls, SavedModel export) are written for TensorFlow; under another backend they would fail deep
inside with a confusing error, so they check first.
"""

from __future__ import annotations

import os

from textcnn.errors import TextcnnError


def require_tensorflow_backend() -> None:
    """Raises a one-line :class:`TextcnnError` unless Keras runs on TensorFlow.

    Reads ``KERAS_BACKEND`` first, so the check costs nothing when it is unset or "tensorflow"
    (Keras itself is then not imported here)."""
    requested = os.environ.get("KERAS_BACKEND", "tensorflow")
    if requested == "tensorflow":
        return
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise TextcnnError(
            f"textcnn's training and inference need the TensorFlow backend of Keras; this process "
            f"runs {backend!r} (KERAS_BACKEND={requested!r}). Unset KERAS_BACKEND or set it to "
            "'tensorflow' (textcnn.layers and textcnn.models alone run on any backend)")
