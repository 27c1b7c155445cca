"""The epoch loop, the same for text and images: build or resume the model, train an epoch,
score the dev split, keep the best epoch, checkpoint, stop early.

What differs between kinds of data comes in through a :class:`textcnn.training.inputs.TrainingInputs`.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textcnn.artifact import atomic_write
from textcnn.data.batching import batch_order
from textcnn.training.checkpoints import Checkpoints
from textcnn.training.inputs import TrainingInputs
from textcnn.messages import log
from textcnn.training.optimizers import make_optimizer


@dataclass
class TrainedModel:
    """What the loop returns: the model with its best dev epoch's weights, and how it got there."""

    model: object
    history: list[dict]
    best_epoch: int
    best_dev_accuracy: float
    seconds: float


def seed_everything(seed: int, deterministic: bool) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def placement(config):
    """``(strategy, chief)``: the tf.distribute strategy of `config` on the device it names,
    and whether this process writes the run directory."""
    from textcnn.training.distribute import configure_device, get_strategy, is_chief

    configure_device(config.device)
    strategy = get_strategy(config.strategy)
    return strategy, is_chief(strategy)


def _fresh_state() -> dict:
    return {"epoch": 0, "history": [], "best_dev_accuracy": -1.0, "best_epoch": 0, "wait": 0, "seconds": 0.0}


def _model_and_state(config, inputs: TrainingInputs, strategy, checkpoints, resume: bool, verbose: int):
    """``(model, state, best_weights)``: resumed from the newest checkpoint, or built and compiled."""
    from textcnn.training.distribute import dtype_policy

    with strategy.scope(), dtype_policy(config.mixed_precision):
        if resume and checkpoints and checkpoints.latest():
            latest = checkpoints.latest()
            model, state, best_weights = checkpoints.load()
            log(f"textcnn: resuming after epoch {state['epoch']} from {latest}", verbose)
            return model, state, best_weights
        model = inputs.build()
        steps_per_epoch = -(-len(inputs.lengths) // config.batch_size)
        model.compile(optimizer=make_optimizer(config, steps_per_epoch), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], jit_compile=config.jit_compile)
        return model, _fresh_state(), None


def _note_dense_updates(config, model, verbose: int) -> None:
    import keras

    from textcnn.training.optimizers import dense_update_note, update_kind

    tables = [(layer.input_dim, layer.output_dim) for layer in model.layers
              if isinstance(layer, keras.layers.Embedding) and layer.trainable]
    note = dense_update_note(update_kind(config.optimizer, config.momentum), tables)
    if note:
        log(note, verbose)


def _epoch_data(config, inputs: TrainingInputs, strategy, epoch: int):
    """``(dataset, steps)``: this epoch's batches (the same on every worker: the order depends on
    seed and epoch only). Distributed, each global batch is split evenly across the replicas
    (the last batch loses its remainder, fewer examples than replicas), and each worker builds
    the pieces of its own replicas, in replica order."""
    from textcnn.training.distribute import is_distributed, replica_rows

    rng = np.random.default_rng([config.seed, epoch])
    batches = batch_order(inputs.lengths, config.batch_size, rng, config.bucket)
    if not is_distributed(strategy):
        return inputs.dataset_of(batches, batches, epoch), len(batches)
    replicas = strategy.num_replicas_in_sync
    batches = [b[: len(b) - len(b) % replicas] for b in batches if len(b) >= replicas]

    def worker_data(context):
        local = replicas // context.num_input_pipelines
        first = context.input_pipeline_id * local
        return inputs.dataset_of([replica_rows(b, first + k, replicas) for b in batches for k in range(local)],
                                  [b for b in batches for _ in range(local)], epoch)

    return strategy.distribute_datasets_from_function(worker_data), len(batches)


class _TensorBoard:
    """Keras' TensorBoard callback for the training scalars, and a writer of the dev scalars."""

    def __init__(self, directory: Path | None):
        import keras
        import tensorflow as tf

        self.callbacks, self.dev_writer = [], None
        if directory is not None:
            self.callbacks.append(keras.callbacks.TensorBoard(log_dir=str(directory), write_graph=False,
                                                              profile_batch=0))
            self.dev_writer = tf.summary.create_file_writer(str(directory / "dev"))

    def dev(self, epoch: int, accuracy: float, loss: float) -> None:
        import tensorflow as tf

        if self.dev_writer is not None:
            with self.dev_writer.as_default():
                tf.summary.scalar("epoch_accuracy", accuracy, step=epoch)
                tf.summary.scalar("epoch_loss", loss, step=epoch)


def dev_metrics(probabilities: np.ndarray, dev_y: np.ndarray) -> tuple[float, float]:
    """(accuracy, mean negative log-likelihood) of dev probabilities."""
    accuracy = float(np.mean(probabilities.argmax(1) == dev_y))
    loss = float(-np.mean(np.log(np.clip(probabilities[np.arange(len(dev_y)), dev_y], 1e-7, 1))))
    return accuracy, loss


def train_model(config, inputs: TrainingInputs, dev_y, run_dir: Path | None, resume: bool,
                verbose: int) -> TrainedModel:
    """Trains the model `inputs` builds, as `config` says, keeping the epoch best on the dev split."""
    from textcnn.training.distribute import SynchronousTraining, is_distributed

    strategy, chief = placement(config)
    checkpoints = Checkpoints(run_dir) if run_dir else None
    model, state, best_weights = _model_and_state(config, inputs, strategy, checkpoints, resume, verbose)
    replicated = SynchronousTraining(model, strategy) if is_distributed(strategy) else None
    _note_dense_updates(config, model, verbose)
    board = _TensorBoard(run_dir / "tensorboard" if run_dir and chief and config.tensorboard else None)
    score_dev = inputs.dev_scorer(model)
    # Keras' progress bar on a terminal; elsewhere (logs, CI) the one line per epoch below.
    fit_verbose = 1 if verbose and sys.stderr.isatty() else 0
    history = state["history"]
    while state["epoch"] < config.epochs:
        epoch = state["epoch"]
        started = time.perf_counter()
        data, steps = _epoch_data(config, inputs, strategy, epoch)
        if replicated:
            logs = replicated.epoch(data, steps)
        else:
            logs = model.fit(data, steps_per_epoch=steps, epochs=epoch + 1, initial_epoch=epoch,
                             verbose=fit_verbose, shuffle=False, callbacks=board.callbacks).history
        seconds = time.perf_counter() - started
        dev_accuracy, dev_loss = dev_metrics(score_dev(), dev_y)
        row = {"epoch": epoch + 1, "loss": float(logs["loss"][-1]), "accuracy": float(logs["accuracy"][-1]),
               "dev_loss": dev_loss, "dev_accuracy": dev_accuracy, "seconds": seconds}
        history.append(row)
        state["seconds"] += seconds
        state["epoch"] = epoch + 1
        log(f"epoch {epoch + 1}/{config.epochs}: loss {row['loss']:.4f} accuracy {row['accuracy']:.4f} "
            f"dev_loss {dev_loss:.4f} dev_accuracy {dev_accuracy:.4f} ({seconds:.1f}s)", verbose)
        board.dev(epoch, dev_accuracy, dev_loss)
        if dev_accuracy > state["best_dev_accuracy"]:
            state.update(best_dev_accuracy=dev_accuracy, best_epoch=epoch + 1, wait=0)
            best_weights = [w.copy() for w in model.get_weights()]
        else:
            state["wait"] += 1
        if run_dir and chief:
            write_metrics(run_dir / "metrics.csv", history)
            checkpoints.save(model, state, best_weights)
        if config.patience is not None and state["wait"] >= config.patience:
            log(f"textcnn: stopping early, no dev improvement for {config.patience} epochs", verbose)
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    if is_distributed(strategy) or config.mixed_precision:
        # The artifact holds a plain float32 model, whatever it was trained with.
        weights = model.get_weights()
        model = inputs.build()
        model.set_weights(weights)
    log(f"textcnn: keeping epoch {state['best_epoch']} (dev accuracy {state['best_dev_accuracy']:.4f})", verbose)
    return TrainedModel(model, history, state["best_epoch"], state["best_dev_accuracy"], state["seconds"])


def write_metrics(path: Path, history: list[dict]) -> None:
    """``metrics.csv``: one row per epoch, replaced atomically."""
    def write(temporary: Path):
        with open(temporary, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(history[0]))
            writer.writeheader()
            writer.writerows(history)

    atomic_write(path, write)
