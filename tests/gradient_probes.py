"""Test instrumentation: what reaches Keras' optimizers, recorded while a training step traces.

These patch private Keras classes, so they live with the tests, not in the library; they fail
loudly (AttributeError) when a Keras upgrade moves what they patch.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def record_updates():
    """Records, while tracing, every variable update Keras' TensorFlow optimizers make.

    Yields a list that fills with ``(variable path, "sparse" | "dense")``: "sparse" is a scatter
    (the value is a ``tf.IndexedSlices``), "dense" a whole-variable write. For tests and
    benchmarks; it patches ``TFOptimizer.assign``, ``assign_add`` and ``assign_sub``.
    """
    import tensorflow as tf
    from keras.src.backend.tensorflow.optimizer import TFOptimizer

    records: list[tuple[str, str]] = []
    originals = {name: getattr(TFOptimizer, name) for name in ("assign", "assign_add", "assign_sub")}

    def wrap(original):
        def patched(self, variable, value):
            path = getattr(variable, "path", None) or getattr(variable, "name", "?")
            records.append((str(path), "sparse" if isinstance(value, tf.IndexedSlices) else "dense"))
            return original(self, variable, value)
        return patched

    for name, original in originals.items():
        setattr(TFOptimizer, name, wrap(original))
    try:
        yield records
    finally:
        for name, original in originals.items():
            setattr(TFOptimizer, name, original)


def record_gradients(optimizer) -> dict:
    """Wraps `optimizer.update_step` (on this instance) to record, while tracing, the type of the
    gradient each variable receives: ``{variable path: "IndexedSlices" | "Tensor" ...}``.
    With a ``LossScaleOptimizer``, its inner optimizer's."""
    import tensorflow as tf

    inner = getattr(optimizer, "inner_optimizer", optimizer)
    seen: dict[str, str] = {}
    original = inner.update_step

    def update_step(gradient, variable, learning_rate):
        path = getattr(variable, "path", None) or getattr(variable, "name", "?")
        seen[str(path)] = "IndexedSlices" if isinstance(gradient, tf.IndexedSlices) else "dense"
        return original(gradient, variable, learning_rate)

    inner.update_step = update_step
    return seen
