"""The optimizers training builds, and how the embedding table's gradient reaches the optimizer, and what the optimizer does with it.

The gradient of an embedding lookup (``tf.gather``) is a ``tf.IndexedSlices``: the rows of the
batch's tokens only. Nothing in the Kim model densifies it (masking, dropout, the concatenation of
channels and the convolutions act on the looked-up activations, not on the table; Keras'
``Embedding`` does not autocast its table under mixed precision; MirroredStrategy's all-reduce
keeps IndexedSlices), so every trainable embedding's gradient arrives at
``optimizer.update_step`` as an IndexedSlices (``tests/test_gradients.py``). What happens next is
the optimizer's (Keras 3.15, ``keras/src/optimizers``):

- ``sgd`` with momentum: the momentum of every row is rewritten and added to every row, each
  step.
- ``sgd`` (no momentum): a scatter update of the batch's rows only; step time does not depend on
  the vocabulary.
- ``adadelta``: a scatter update of the table, but both accumulators are rewritten in full every
  step (``rho * acc + (1 - rho) * g**2`` over every row).
- ``adam``: the gradient is densified and the table and both moments are rewritten in full every
  step.

For Adam and Adadelta the full pass is what the algorithm asks for: every row's moments decay at
every step (and Adam moves every row whose momentum is non-zero), so the update is O(vocabulary x
dimension) per step whatever the batch. It is inherent, not a fallback; ``benchmarks/
embedding_gradients.md`` measures it. `dense_update_note` says so in the training log.

One thing was avoidable and wrong: Keras 3.15 squares a sparse gradient slice by slice, so a token
repeated in a batch gave Adam and Adadelta different second moments from the same gradient
dense. `make_optimizer` returns Adam and Adadelta that `deduplicate` first (sparse == dense).
"""

from __future__ import annotations

# What Keras 3.15 writes per step for a trainable embedding table, by optimizer; checked against
# Keras itself by tests/test_gradients.py (it fails when a Keras upgrade changes it).
EMBEDDING_UPDATES = {
    "sgd": {"embeddings": "sparse"},
    "adadelta": {"embeddings": "sparse", "accumulated_grad": "dense", "accumulated_delta_var": "dense"},
    "adam": {"embeddings": "dense", "momentum": "dense", "velocity": "dense"},
    "sgd-momentum": {"embeddings": "dense", "momentum": "dense"},
}


def update_kind(optimizer: str, momentum: float = 0.0) -> str:
    """The key of `EMBEDDING_UPDATES` for a configured optimizer (SGD with momentum keeps a
    momentum for every row, and adds it to every row, each step).

    Example:
    >>> update_kind("sgd", 0.9)
    'sgd-momentum'
    """
    return "sgd-momentum" if optimizer == "sgd" and momentum else optimizer


def deduplicate(gradient):
    """An IndexedSlices with each row once, its repeated rows' values summed (other gradients as
    they are).

    The gradient of an embedding lookup lists a row once per occurrence of its token in the
    batch. Keras 3.15's optimizers square such a gradient slice by slice (``ops.square`` keeps
    the indices), so Adam's and Adadelta's second moments of a token seen k times in a batch get
    the sum of k squares instead of the square of the sum: not what the same gradient, dense,
    gives (tf.keras 2 deduplicated first; Keras 3 does not). Deduplicating first makes the sparse
    update equal to the dense one.

    It keeps the number of slices (the extra ones are zero slices of row 0), so the shapes stay
    static and the step compiles under XLA too.

    Example:
    >>> g = tf.IndexedSlices(tf.constant([[1.0], [2.0], [4.0]]), tf.constant([3, 1, 3]), [5, 1])
    >>> deduplicate(g).indices.numpy(), deduplicate(g).values.numpy().ravel()
    (array([3, 1, 0], dtype=int32), array([5., 2., 0.], dtype=float32))
    """
    import tensorflow as tf

    if not isinstance(gradient, tf.IndexedSlices):
        return gradient
    count = tf.size(gradient.indices)
    _, positions = tf.unique(gradient.indices)
    values = tf.math.unsorted_segment_sum(gradient.values, positions, count)
    # Slot k holds the k-th distinct row; the unused slots (empty segments: the lowest integer)
    # point at row 0 with zero values, which adds nothing to any optimizer's update.
    rows = tf.maximum(tf.math.unsorted_segment_max(gradient.indices, positions, count), 0)
    return tf.IndexedSlices(values, rows, gradient.dense_shape)


_OPTIMIZERS: dict = {}


def optimizer_classes() -> dict:
    """``{"adam": ..., "adadelta": ..., "sgd": ...}``: Keras' optimizers, Adam and Adadelta with
    their sparse gradients deduplicated (`deduplicate`) before each update. Registered with Keras
    as ``textcnn>Adam`` and ``textcnn>Adadelta`` so checkpoints that hold them load.
    SGD's update is linear in the gradient: repeated rows already add up, it stays Keras'."""
    if _OPTIMIZERS:
        return _OPTIMIZERS
    import keras

    def exact(base):
        class Exact(base):
            def update_step(self, gradient, variable, learning_rate):
                return super().update_step(deduplicate(gradient), variable, learning_rate)

        Exact.__name__ = Exact.__qualname__ = base.__name__
        Exact.__doc__ = (f"keras.optimizers.{base.__name__} with sparse gradients deduplicated "
                         "first (textcnn.training.optimizers.deduplicate): equal to the dense update.")
        return keras.saving.register_keras_serializable(package="textcnn")(Exact)

    _OPTIMIZERS.update(adam=exact(keras.optimizers.Adam), adadelta=exact(keras.optimizers.Adadelta),
                       sgd=keras.optimizers.SGD)
    return _OPTIMIZERS


def dense_update_note(optimizer: str, tables) -> str | None:
    """The training log's line when `optimizer` rewrites whole per-row state of the trainable
    embedding `tables` (``[(rows, dim), ...]``) every step; None when it does not.

    Example:
    >>> dense_update_note("sgd", [(20000, 300)]) is None
    True
    """
    dense = [k for k, v in EMBEDDING_UPDATES.get(optimizer, {}).items() if v == "dense"]
    tables = [(rows, dim) for rows, dim in tables if rows]
    if not dense or not tables:
        return None
    sizes = " + ".join(f"{rows:,} x {dim}" for rows, dim in tables)
    state = ", ".join(k for k in dense if k != "embeddings")
    what = (f"the trainable embeddings and their {state}" if "embeddings" in dense
            else f"the trainable embeddings' {state}")
    return (f"textcnn: {optimizer} writes every row of {what} ({sizes}) every step, as the "
            "algorithm asks (every row's moments decay): step time grows with the vocabulary "
            "(benchmarks/embedding_gradients.md); sgd without momentum updates only the batch's rows")


def make_optimizer(config, steps_per_epoch: int = 1):
    """Keras' Adadelta, Adam or SGD as `config` (a TrainConfig) names it; a cosine schedule decays
    the rate to 0 over `epochs` x `steps_per_epoch`. Adam and Adadelta deduplicate the
    embeddings' sparse gradients first, so their update equals the dense one (`deduplicate`)."""
    import keras

    optimizers = optimizer_classes()
    learning_rate = config.learning_rate
    if config.learning_rate_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=max(1, config.epochs * steps_per_epoch))
    if config.optimizer == "adadelta":
        return optimizers["adadelta"](learning_rate=learning_rate, rho=config.rho, epsilon=1e-6)
    if config.optimizer == "adam":
        return optimizers["adam"](learning_rate=learning_rate)
    return optimizers["sgd"](learning_rate=learning_rate, momentum=config.momentum)
