"""Where training runs: the device, the tf.distribute strategy, mixed precision.

- ``device``: ``auto`` (a GPU when TensorFlow sees one), ``cpu`` (GPUs hidden) or ``gpu`` (an
  error when there is none).
- ``strategy``: ``single`` (one device), ``mirrored`` (``MirroredStrategy`` over every GPU, or
  every logical CPU device when there is no GPU), ``multi-worker``
  (``MultiWorkerMirroredStrategy``, the cluster described by ``TF_CONFIG``), or ``auto``:
  multi-worker when ``TF_CONFIG`` names more than one task, mirrored when there are several
  GPUs, else single.
- ``batch_size`` is the *global* batch: each step's batch is split across the replicas
  (`replica_rows`), so a run sees the same batches, and needs the same learning rate, whatever
  the number of replicas.
- Only the chief (worker 0, or the task of type ``chief``) writes the run directory.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager

import numpy as np

from textcnn.errors import TextcnnError

_strategies: dict = {}


def cluster_spec() -> dict:
    """The ``cluster`` of ``TF_CONFIG`` (``{}`` when unset)."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return {}
    try:
        return json.loads(raw).get("cluster", {})
    except (ValueError, AttributeError):
        raise TextcnnError("TF_CONFIG is not valid JSON with a 'cluster'") from None


def configure_device(device: str) -> None:
    """Makes TensorFlow use `device` (before it starts its runtime)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise TextcnnError("--device gpu: TensorFlow sees no GPU on this machine (install the GPU "
                           "extra, pip install 'textcnn[gpu]', and check nvidia-smi)")
    if device == "cpu" and gpus:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:  # the runtime has started: only an error if GPUs are in use
            if tf.config.get_visible_devices("GPU"):
                raise TextcnnError("--device cpu must be chosen before TensorFlow starts") from None


def resolve_strategy(name: str) -> str:
    """The strategy `auto` stands for on this machine (other names are returned as given)."""
    if name != "auto":
        return name
    import tensorflow as tf

    if sum(len(tasks) for tasks in cluster_spec().values()) > 1:
        return "multi-worker"
    return "mirrored" if len(tf.config.list_logical_devices("GPU")) > 1 else "single"


def get_strategy(name: str):
    """The tf.distribute strategy `name` (``auto`` resolved); one per process and name."""
    import tensorflow as tf

    name = resolve_strategy(name)
    if name not in _strategies:
        if name == "single":
            _strategies[name] = tf.distribute.get_strategy()
        elif name == "mirrored":
            devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
            _strategies[name] = tf.distribute.MirroredStrategy([d.name for d in devices])
        else:
            if not cluster_spec():
                raise TextcnnError("--strategy multi-worker needs TF_CONFIG to describe the cluster")
            _strategies[name] = tf.distribute.MultiWorkerMirroredStrategy()
    return _strategies[name]


def is_chief(strategy) -> bool:
    """Whether this process writes the run's files (always, outside multi-worker training)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not cluster_spec():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type == "chief" or (task_type == "worker" and task_id == 0
                                    and "chief" not in cluster_spec())


def is_distributed(strategy) -> bool:
    return strategy.num_replicas_in_sync > 1 or bool(getattr(strategy, "cluster_resolver", None))


def replica_rows(batch: np.ndarray, replica: int, replicas: int) -> np.ndarray:
    """The rows of a global batch that one replica computes (every `replicas`-th row)."""
    return batch[replica::replicas]


def mixed_precision_policy(device_has_gpu: bool) -> str:
    """float16 with loss scaling on GPUs, bfloat16 elsewhere."""
    return "mixed_float16" if device_has_gpu else "mixed_bfloat16"


@contextmanager
def dtype_policy(mixed: bool):
    """Keras' global dtype policy for building a model, restored afterwards."""
    import keras
    import tensorflow as tf

    previous = keras.config.dtype_policy()
    if mixed:
        keras.config.set_dtype_policy(mixed_precision_policy(bool(tf.config.list_logical_devices("GPU"))))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


class SynchronousTraining:
    """Synchronous data-parallel training of a compiled Keras model, one epoch at a time: each
    replica computes the loss of its rows of the global batch, the optimizer sums the replicas'
    gradients, and every replica applies the same update.

    Keras' own ``fit`` does this for MirroredStrategy, but under MultiWorkerMirroredStrategy
    Keras 3.15 fails to reduce its scalar logs across workers, so distributed runs use this loop
    (the same loss, optimizer, loss scaling and weight constraints as ``fit``).

    Example:
    >>> with strategy.scope():
    ...     model = build_kim_cnn(vocab_size=100, num_classes=2); model.compile("adam", ...)
    >>> SynchronousTraining(model, strategy).epoch(distributed_dataset, steps)
    {'loss': 0.69, 'accuracy': 0.5}
    """

    def __init__(self, model, strategy):
        import keras
        import tensorflow as tf

        self.model = model
        self.strategy = strategy
        replicas = strategy.num_replicas_in_sync
        per_example = keras.losses.SparseCategoricalCrossentropy(reduction=None)
        optimizer = model.optimizer
        if not optimizer.built:  # its variables must exist before the step is traced
            with strategy.scope():
                optimizer.build(model.trainable_variables)

        def replica_step(x, y, w):
            with tf.GradientTape() as tape:
                probabilities = model(x, training=True)
                # Equal shares of the global batch: the mean of the replicas' means is its mean.
                loss = tf.reduce_sum(per_example(y, probabilities) * w) / tf.cast(tf.size(y) * replicas, tf.float32)
                scaled = optimizer.scale_loss(loss)
            optimizer.apply(tape.gradient(scaled, model.trainable_variables), model.trainable_variables)
            correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probabilities, 1, output_type=tf.int32), y), tf.float32))
            return loss, correct, tf.cast(tf.size(y), tf.float32)

        @tf.function
        def step(iterator):
            results = strategy.run(replica_step, args=next(iterator))
            return [strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None) for value in results]

        self._step = step

    def epoch(self, dataset, steps: int) -> dict:
        """Trains on `steps` batches of the distributed `dataset`: mean loss and accuracy."""
        iterator = iter(dataset)
        loss = correct = rows = 0.0
        for _ in range(steps):
            batch_loss, batch_correct, batch_rows = (float(v) for v in self._step(iterator))
            loss, correct, rows = loss + batch_loss, correct + batch_correct, rows + batch_rows
        return {"loss": [loss / max(steps, 1)], "accuracy": [correct / max(rows, 1)]}
