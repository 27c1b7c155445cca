"""Training, evaluation and cross-validation of the Kim sentence CNN.

``fit`` trains one model and writes a run directory:

    model.textcnn            the artifact (see textcnn.artifact)
    config.json              the TrainConfig
    metrics.csv              one row per epoch: train and dev loss/accuracy, seconds
    report.json, report.txt  the test-set evaluation
    embeddings.json          where the word vectors came from, and their coverage
    learning_curve.png, confusion_matrix.png
    tensorboard/             TensorBoard logs
    checkpoints/             one complete checkpoint per epoch, switched to atomically;
                             ``resume=True`` continues from the newest
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from textcnn import __version__
from textcnn.artifact import atomic_write
from textcnn.config import TrainConfig
from textcnn.data.batching import batch_order
from textcnn.data.datasets import Dataset, load_dataset
from textcnn.data.formats import LabeledTexts
from textcnn.data.splits import stratified_kfold, stratified_split
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary
from textcnn.errors import TextcnnError
from textcnn.metrics import classification_report, format_report


@dataclass
class TrainResult:
    """What `fit` returns."""

    classifier: "TextClassifier"  # noqa: F821
    report: dict | None
    dev_accuracy: float
    best_epoch: int
    history: list[dict]
    train_seconds: float
    train_examples: int
    output_dir: Path | None = None
    splits: dict = field(default_factory=dict)

    @property
    def sentences_per_second(self) -> float:
        return self.train_examples * len(self.history) / max(self.train_seconds, 1e-9)


def _log(message: str, verbose: int) -> None:
    if verbose:
        print(message, file=sys.stderr, flush=True)


def seed_everything(seed: int, deterministic: bool) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def placement(config: TrainConfig):
    """``(strategy, chief)``: the tf.distribute strategy of `config` on the device it names,
    and whether this process writes the run directory."""
    from textcnn.distribute import configure_device, get_strategy, is_chief

    configure_device(config.device)
    strategy = get_strategy(config.strategy)
    return strategy, is_chief(strategy)


def load_config_dataset(config: TrainConfig):
    """The dataset `config` names: a text :class:`Dataset` or, for images, an ``ImageDataset``."""
    from textcnn.data.image_datasets import IMAGE_BENCHMARKS, load_image_dataset

    if config.task == "image":
        return load_image_dataset(config.dataset, split=config.split, image_size=config.image_size,
                                  color_mode=config.color_mode)
    if config.dataset in IMAGE_BENCHMARKS and not Path(config.dataset).exists():
        raise TextcnnError(f"{config.dataset} is an image dataset; train on it with task='image' (--task image)")
    return load_dataset(config.dataset, dev=config.dev, test=config.test, format=config.format,
                        text_column=config.text_column, label_column=config.label_column,
                        encoding=config.encoding)


def make_tokenizer(config: TrainConfig, dataset: Dataset) -> Tokenizer:
    lowercase = dataset.lowercase if config.lowercase is None else config.lowercase
    return Tokenizer(scheme=config.tokenizer, lowercase=lowercase, max_tokens=config.max_tokens)


def make_optimizer(config: TrainConfig, steps_per_epoch: int = 1):
    """Keras' Adadelta, Adam or SGD; a cosine schedule decays the rate to 0 over `epochs` x
    `steps_per_epoch`. Adam and Adadelta deduplicate the embeddings' sparse gradients first, so
    their update equals the dense one (`textcnn.gradients.deduplicate`)."""
    import keras

    from textcnn.gradients import optimizer_classes

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


def embedding_matrix_for(config: TrainConfig, vocabulary: Vocabulary, verbose: int):
    """The pretrained matrix and its provenance, or ``(None, provenance)`` for ``rand``."""
    if config.variant == "rand":
        return None, {"variant": "rand", "source": None}
    import embeddings

    matrix, coverage = embeddings.build_matrix(config.vectors, vocabulary.tokens,
                                               token_counts=vocabulary.counts, seed=config.seed)
    _log(coverage.report(), verbose)
    return matrix, {"variant": config.variant, **coverage.to_dict()}


def _class_weights(labels: np.ndarray, classes: int, mode: str | None) -> np.ndarray:
    if mode != "balanced":
        return np.ones(classes, dtype="float32")
    counts = np.bincount(labels, minlength=classes).astype("float32")
    return np.where(counts > 0, len(labels) / (classes * np.maximum(counts, 1)), 0).astype("float32")


class _Checkpoints:
    """Epoch checkpoints in ``checkpoints/epoch-NNNN/``; ``checkpoints/LATEST`` names the newest
    complete one and is replaced atomically, so an interrupted write never corrupts a run."""

    def __init__(self, run_dir: Path):
        self.root = run_dir / "checkpoints"

    def latest(self) -> Path | None:
        pointer = self.root / "LATEST"
        if not pointer.is_file():
            return None
        path = self.root / pointer.read_text().strip()
        return path if (path / "state.json").is_file() else None

    @staticmethod
    def _seed_generators(model):
        """Dropout's random state: Keras does not save it, but a resumed run needs it to draw
        the same dropout masks as an uninterrupted one."""
        return [layer.seed_generator for layer in model.layers if hasattr(layer, "seed_generator")]

    def save(self, model, state: dict, best_weights: list[np.ndarray] | None) -> None:
        name = f"epoch-{state['epoch']:04d}"
        state = {**state, "seed_states": [np.asarray(g.state.value).tolist()
                                          for g in self._seed_generators(model)]}
        directory = self.root / name
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        model.save(directory / "model.keras")
        if best_weights is not None:
            np.savez(directory / "best_weights.npz", *best_weights)
        (directory / "state.json").write_text(json.dumps(state))
        previous = self.latest()
        atomic_write(self.root / "LATEST", lambda p: p.write_text(name))
        if previous is not None and previous != directory:
            shutil.rmtree(previous, ignore_errors=True)

    def load(self):
        import keras

        import textcnn.layers  # noqa: F401  (registers the layers the checkpoint names)
        from textcnn.gradients import optimizer_classes

        optimizer_classes()  # registers the optimizers the checkpoint holds
        directory = self.latest()
        model = keras.saving.load_model(directory / "model.keras", safe_mode=True)
        state = json.loads((directory / "state.json").read_text())
        for generator, value in zip(self._seed_generators(model), state.pop("seed_states", [])):
            generator.state.assign(np.asarray(value, dtype=generator.state.dtype))
        best = None
        if (directory / "best_weights.npz").is_file():
            with np.load(directory / "best_weights.npz") as data:
                best = [data[f"arr_{i}"] for i in range(len(data.files))]
        return model, state, best


def batch_bounds(batches: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each batch in the concatenation of `batches`."""
    sizes = np.array([len(b) for b in batches], dtype="int64")
    ends = np.cumsum(sizes)
    return ends - sizes, ends


class TrainingInputs:
    """What the shared epoch loop needs of one kind of data (text or images): the training
    labels, how to build the model, how to turn batches of example indices into a tf.data
    pipeline, and how to score the dev split."""

    def __init__(self, config: TrainConfig, train_y: np.ndarray, classes: int, lengths: np.ndarray):
        self.config = config
        self.train_y = np.asarray(train_y, "int32")
        self.classes = classes
        self.lengths = lengths  # what batch_order buckets by (text: tokens; images: all equal)
        self.weights = _class_weights(self.train_y, classes, config.class_weight)[self.train_y]

    def build(self):
        raise NotImplementedError

    def dataset_of(self, batches: list[np.ndarray], widest: list[np.ndarray], epoch: int):
        """A tf.data pipeline of ``(x, y, weight)`` batches, one for each array of example
        indices in `batches`; `widest[i]` is the global batch that `batches[i]` is part of."""
        raise NotImplementedError

    def dev_scorer(self, model):
        """A function of no arguments: the dev split's class probabilities under `model`."""
        raise NotImplementedError


class TextInputs(TrainingInputs):
    """Token-id sequences, each batch padded to its longest sentence."""

    def __init__(self, config: TrainConfig, train_ids, train_y, dev_ids, classes: int,
                 vocabulary: Vocabulary, matrix):
        super().__init__(config, train_y, classes, np.array([len(s) for s in train_ids]))
        self.dev_ids, self.vocabulary, self.matrix = dev_ids, vocabulary, matrix
        self.flat_ids = np.concatenate([np.asarray(s, "int32") for s in train_ids] + [np.zeros(0, "int32")])
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])

    def build(self):
        from textcnn.models import build_kim_cnn

        config = self.config
        return build_kim_cnn(
            vocab_size=len(self.vocabulary), num_classes=self.classes, variant=config.variant,
            embedding_matrix=self.matrix, embedding_dim=config.embedding_dim,
            embedding_init_scale=config.embedding_init_scale, learned_dim=config.learned_dim,
            region_sizes=config.region_sizes,
            feature_maps=config.feature_maps, activation=config.activation,
            dropout=config.dropout, word_dropout=config.word_dropout, max_norm=config.max_norm,
        )

    def dataset_of(self, batches, widest, epoch):
        """Batches of example indices as a native tf.data pipeline (a Python generator is ~2x
        slower): the examples reordered batch after batch, each batch sliced out and padded to
        the longest sentence of its global batch."""
        import tensorflow as tf

        lengths, offsets, flat_ids = self.lengths, self.offsets, self.flat_ids
        widths = np.asarray([max(1, lengths[b].max()) for b in widest], "int32")
        order = np.concatenate(batches)
        flat = np.concatenate([flat_ids[offsets[i]: offsets[i + 1]] for i in order] + [np.zeros(0, "int32")])
        rows = tf.RaggedTensor.from_row_lengths(flat, lengths[order])
        y, w = tf.constant(self.train_y[order]), tf.constant(self.weights[order])

        def batch(start, end, width):
            x = rows[start:end].to_tensor()
            x = tf.pad(x, [[0, 0], [0, width - tf.shape(x)[1]]])
            return x, y[start:end], w[start:end]

        data = tf.data.Dataset.from_tensor_slices((*batch_bounds(batches), widths))
        return data.map(batch, num_parallel_calls=1).prefetch(2)

    def dev_scorer(self, model):
        from textcnn.classifier import TextClassifier

        scorer = TextClassifier(model, None, self.vocabulary, [str(i) for i in range(self.classes)])
        return lambda: scorer.predict_proba_encoded(self.dev_ids)


def _train_model(config: TrainConfig, inputs: TrainingInputs, dev_y, run_dir: Path | None,
                 resume: bool, verbose: int):
    """The epoch loop, the same for text and images. Returns (model, history, best_epoch,
    best_dev_accuracy, seconds)."""
    import keras
    import tensorflow as tf

    from textcnn.distribute import SynchronousTraining, dtype_policy, is_distributed, replica_rows
    from textcnn.gradients import dense_update_note, update_kind

    strategy, chief = placement(config)
    checkpoints = _Checkpoints(run_dir) if run_dir else None
    state = {"epoch": 0, "history": [], "best_dev_accuracy": -1.0, "best_epoch": 0, "wait": 0,
             "seconds": 0.0}
    best_weights = None
    build = inputs.build

    with strategy.scope(), dtype_policy(config.mixed_precision):
        if resume and checkpoints and checkpoints.latest():
            model, state, best_weights = checkpoints.load()
            _log(f"textcnn: resuming after epoch {state['epoch']} from {checkpoints.latest()}", verbose)
        else:
            model = build()
            steps_per_epoch = -(-len(inputs.lengths) // config.batch_size)
            model.compile(optimizer=make_optimizer(config, steps_per_epoch), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"], jit_compile=config.jit_compile)
    replicated = SynchronousTraining(model, strategy) if is_distributed(strategy) else None
    lengths = inputs.lengths
    note = dense_update_note(update_kind(config.optimizer, config.momentum), [(layer.input_dim, layer.output_dim) for layer in model.layers
                                                if isinstance(layer, keras.layers.Embedding) and layer.trainable])
    if note:
        _log(note, verbose)

    def epoch_data(epoch: int):
        """This epoch's batches (the same on every worker: the order depends on seed and epoch
        only). Distributed, each global batch is split evenly across the replicas (the last
        batch loses its remainder, fewer examples than replicas), and each worker builds the
        pieces of its own replicas, in replica order."""
        rng = np.random.default_rng([config.seed, epoch])
        batches = batch_order(lengths, config.batch_size, rng, config.bucket)
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

    callbacks = []
    dev_writer = None
    if run_dir and chief and config.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(run_dir / "tensorboard"),
                                                     write_graph=False, profile_batch=0))
        dev_writer = tf.summary.create_file_writer(str(run_dir / "tensorboard" / "dev"))

    score_dev = inputs.dev_scorer(model)
    # Keras' progress bar on a terminal; elsewhere (logs, CI) the one line per epoch below.
    fit_verbose = 1 if verbose and sys.stderr.isatty() else 0
    history = state["history"]
    while state["epoch"] < config.epochs:
        epoch = state["epoch"]
        started = time.perf_counter()
        data, steps = epoch_data(epoch)
        if replicated:
            logs = replicated.epoch(data, steps)
        else:
            logs = model.fit(data, steps_per_epoch=steps, epochs=epoch + 1, initial_epoch=epoch,
                             verbose=fit_verbose, shuffle=False, callbacks=callbacks).history
        seconds = time.perf_counter() - started
        probabilities = score_dev()
        dev_accuracy = float(np.mean(probabilities.argmax(1) == dev_y))
        dev_loss = float(-np.mean(np.log(np.clip(probabilities[np.arange(len(dev_y)), dev_y], 1e-7, 1))))
        row = {"epoch": epoch + 1, "loss": float(logs["loss"][-1]), "accuracy": float(logs["accuracy"][-1]),
               "dev_loss": dev_loss, "dev_accuracy": dev_accuracy, "seconds": seconds}
        history.append(row)
        state["seconds"] += seconds
        state["epoch"] = epoch + 1
        _log(f"epoch {epoch + 1}/{config.epochs}: loss {row['loss']:.4f} accuracy {row['accuracy']:.4f} "
             f"dev_loss {dev_loss:.4f} dev_accuracy {dev_accuracy:.4f} ({seconds:.1f}s)", verbose)
        if dev_writer is not None:
            with dev_writer.as_default():
                tf.summary.scalar("epoch_accuracy", dev_accuracy, step=epoch)
                tf.summary.scalar("epoch_loss", dev_loss, step=epoch)
        if dev_accuracy > state["best_dev_accuracy"]:
            state.update(best_dev_accuracy=dev_accuracy, best_epoch=epoch + 1, wait=0)
            best_weights = [w.copy() for w in model.get_weights()]
        else:
            state["wait"] += 1
        if run_dir and chief:
            _write_metrics(run_dir / "metrics.csv", history)
            checkpoints.save(model, state, best_weights)
        if config.patience is not None and state["wait"] >= config.patience:
            _log(f"textcnn: stopping early, no dev improvement for {config.patience} epochs", verbose)
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    if is_distributed(strategy) or config.mixed_precision:
        # The artifact holds a plain float32 model, whatever it was trained with.
        weights = model.get_weights()
        model = build()
        model.set_weights(weights)
    _log(f"textcnn: keeping epoch {state['best_epoch']} (dev accuracy {state['best_dev_accuracy']:.4f})",
         verbose)
    return model, history, state["best_epoch"], state["best_dev_accuracy"], state["seconds"]


def _write_metrics(path: Path, history: list[dict]) -> None:
    def write(temporary: Path):
        with open(temporary, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(history[0]))
            writer.writeheader()
            writer.writerows(history)

    atomic_write(path, write)


def split_for_training(config: TrainConfig, dataset: Dataset):
    """(train, dev, test, notes): the dataset's own splits, else stratified hold-outs."""
    train, notes = dataset.train, {}
    test = dataset.test
    if test is None:
        kept, held = stratified_split(train.labels, config.test_fraction, config.seed)
        train, test = train.subset(kept), train.subset(held)
        notes["test"] = f"{config.test_fraction:.0%} of train held out (seed {config.seed})"
    dev = dataset.dev
    if dev is None:
        kept, held = stratified_split(train.labels, config.dev_fraction, config.seed + 1)
        train, dev = train.subset(kept), train.subset(held)
        notes["dev"] = f"{config.dev_fraction:.0%} of train held out (seed {config.seed + 1})"
    return train, dev, test, notes


def train_on_splits(config: TrainConfig, train: LabeledTexts, dev: LabeledTexts,
                    test: LabeledTexts | None, labels: list[str], tokenizer: Tokenizer,
                    run_dir: Path | None = None, resume: bool = False, verbose: int = 1,
                    dataset_name: str = "") -> TrainResult:
    """Trains on `train`, early-stops on `dev`, evaluates on `test`; everything in memory unless
    `run_dir` is given."""
    from textcnn.classifier import TextClassifier

    if not len(train):
        raise TextcnnError("The training split is empty")
    if len(set(train.labels)) < 2:
        raise TextcnnError("The training split needs at least two different labels")
    seed_everything(config.seed, config.deterministic)
    index = {label: i for i, label in enumerate(labels)}
    token_lists = [tokenizer.tokenize(text) for text in train.texts]
    if resume and run_dir and (run_dir / "vocabulary.txt").is_file():
        vocabulary = Vocabulary((run_dir / "vocabulary.txt").read_text("utf-8").split("\n")[:-1])
    else:
        vocabulary = Vocabulary.build(token_lists, min_count=config.min_count)
    if run_dir and placement(config)[1]:
        atomic_write(run_dir / "vocabulary.txt",
                     lambda p: p.write_text("\n".join(vocabulary.tokens) + "\n", "utf-8"))
    matrix, provenance = embedding_matrix_for(config, vocabulary, verbose)

    def ids_and_labels(split: LabeledTexts, tokens=None):
        tokens = tokens or [tokenizer.tokenize(t) for t in split.texts]
        return [vocabulary.encode(t) for t in tokens], np.array([index[l] for l in split.labels], "int32")

    train_ids, train_y = ids_and_labels(train, token_lists)
    dev_ids, dev_y = ids_and_labels(dev)
    _log(f"textcnn: {len(train)} train / {len(dev)} dev / {len(test) if test else 0} test examples, "
         f"{len(labels)} labels, vocabulary {len(vocabulary)}", verbose)
    inputs = TextInputs(config, train_ids, train_y, dev_ids, len(labels), vocabulary, matrix)
    trained = _train_model(config, inputs, dev_y, run_dir, resume, verbose)
    classifier = TextClassifier(trained[0], tokenizer, vocabulary, labels)
    return finish_training(config, classifier, trained, train, dev, test, dataset_name, run_dir,
                           embeddings=provenance)


def finish_training(config: TrainConfig, classifier, trained, train, dev, test, dataset_name: str,
                    run_dir: Path | None, **manifest) -> TrainResult:
    """Evaluates the trained `classifier` on `test` and writes its manifest (text and images alike)."""
    _, history, best_epoch, dev_accuracy, seconds = trained
    report = evaluate(classifier, test) if test is not None and len(test) else None
    classifier.manifest = {
        "textcnn_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": config.to_dict(),
        "data": {"dataset": dataset_name, "train": len(train), "dev": len(dev),
                 "test": len(test) if test else 0},
        "evaluation": {"test": report, "dev_accuracy": dev_accuracy, "best_epoch": best_epoch},
        **manifest,
    }
    return TrainResult(classifier, report, dev_accuracy, best_epoch, history, seconds, len(train),
                       run_dir)


def evaluate(classifier, data) -> dict:
    """The classification report of `classifier` on labelled `data` (texts or images)."""
    from textcnn.data.images import ImageSet

    if isinstance(data, ImageSet):
        if len(data) and data.labels.max() >= len(classifier.labels):
            raise TextcnnError(f"Label {int(data.labels.max())} is out of range for the model's "
                               f"{len(classifier.labels)} classes")
        predicted = classifier.predict_proba(data.images).argmax(1)
        return classification_report(data.labels.tolist(), predicted, classifier.labels)
    unknown = sorted(set(data.labels) - set(classifier.labels))
    if unknown:
        raise TextcnnError(f"Labels the model does not know: {', '.join(unknown[:5])}")
    index = {label: i for i, label in enumerate(classifier.labels)}
    predicted = classifier.predict_proba(data.texts).argmax(1)
    return classification_report([index[l] for l in data.labels], predicted, classifier.labels)


def fit(config: TrainConfig, dataset: Dataset | None = None, *, resume: bool = False,
        save: bool = True, verbose: int = 1) -> TrainResult:
    """Trains a model as `config` says and (with `save`) writes its run directory.

    Example:
    >>> result = fit(TrainConfig.from_preset("fast", dataset="trec", output_dir="runs/trec"))
    >>> result.report["accuracy"]
    """
    run_dir = Path(config.output_dir) if save else None
    chief = placement(config)[1]
    if run_dir:
        saved = run_dir / "config.json"
        if resume:
            if not saved.is_file():
                raise TextcnnError(f"Nothing to resume in {run_dir}: no config.json")
            config = TrainConfig.from_dict(json.loads(saved.read_text()))
        run_dir.mkdir(parents=True, exist_ok=True)
        if chief and not resume:  # atomically: other workers may be reading it
            atomic_write(saved, config.save)
    dataset = dataset or load_config_dataset(config)
    train, dev, test, notes = split_for_training(config, dataset)
    if config.task == "image":
        from textcnn.image_training import train_on_image_splits

        result = train_on_image_splits(config, train, dev, test, dataset.label_names, run_dir, resume,
                                       verbose, dataset.name)
    else:
        result = train_on_splits(config, train, dev, test, dataset.label_names,
                                 make_tokenizer(config, dataset), run_dir, resume, verbose, dataset.name)
    result.splits = notes
    result.classifier.manifest["data"]["notes"] = notes
    if run_dir and chief:
        from textcnn.plots import plot_confusion_matrix, plot_learning_curve

        result.classifier.save(run_dir / "model.textcnn")
        if "embeddings" in result.classifier.manifest:
            (run_dir / "embeddings.json").write_text(
                json.dumps(result.classifier.manifest["embeddings"], indent=2) + "\n")
        plot_learning_curve(result.history, run_dir / "learning_curve.png")
        if result.report:
            (run_dir / "report.json").write_text(json.dumps(result.report, indent=2) + "\n")
            (run_dir / "report.txt").write_text(format_report(result.report) + "\n")
            plot_confusion_matrix(result.report, run_dir / "confusion_matrix.png")
    if result.report:
        _log(format_report(result.report), verbose)
    return result


def cross_validate(config: TrainConfig, folds: int | None = None, seeds=(0, 1, 2),
                   dataset: Dataset | None = None, verbose: int = 1, save: bool = True,
                   resume: bool = False) -> dict:
    """k-fold cross-validation repeated over `seeds` (Zhang & Wallace 2015: report the spread).

    Each seed draws its own stratified folds and initialisation; in each fold a dev split is
    held out of the training folds for early stopping. Returns (and with `save` writes to
    ``output_dir/cv_results.json`` after every fold) each fold's accuracy and the summary over
    seeds. With `resume`, folds already in that file (for the same configuration) are kept.
    """
    if config.task != "text":
        raise TextcnnError("Cross-validation is for text models; image benchmarks have fixed splits")
    dataset = dataset or load_config_dataset(config)
    folds = folds or dataset.cv_folds or 10
    data = dataset.train
    labels = dataset.label_names
    tokenizer = make_tokenizer(config, dataset)
    out = Path(config.output_dir) / "cv_results.json"
    runs = []
    if resume and out.is_file():
        previous = json.loads(out.read_text())
        if previous.get("config") == config.to_dict() and previous.get("folds") == folds:
            runs = [run for run in previous["runs"] if run["seed"] in seeds]
    done = {(run["seed"], run["fold"]) for run in runs}
    started = time.perf_counter()

    def results():
        return {"dataset": dataset.name, "folds": folds, "seeds": list(seeds),
                "config": config.to_dict(), "runs": runs, "summary": summarize_cv(runs),
                "wall_seconds": time.perf_counter() - started}

    for seed in seeds:
        for k, test_idx in enumerate(stratified_kfold(data.labels, folds, seed)):
            if (seed, k) in done:
                continue
            rest = np.setdiff1d(np.arange(len(data)), test_idx)
            train_part, dev_part = stratified_split([data.labels[i] for i in rest], config.dev_fraction, seed + 1)
            _log(f"textcnn cv: seed {seed}, fold {k + 1}/{folds}", verbose)
            result = train_on_splits(config.replace(seed=seed), data.subset(rest[train_part]),
                                     data.subset(rest[dev_part]), data.subset(test_idx), labels,
                                     tokenizer, None, False, max(verbose - 1, 0), dataset.name)
            runs.append({"seed": seed, "fold": k, "accuracy": result.report["accuracy"],
                         "macro_f1": result.report["macro_f1"], "best_epoch": result.best_epoch,
                         "epochs": len(result.history), "train_seconds": result.train_seconds,
                         "train_examples": result.train_examples})
            _log(f"textcnn cv: seed {seed}, fold {k + 1}: accuracy {result.report['accuracy']:.4f}", verbose)
            if save:
                out.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(out, lambda p: p.write_text(json.dumps(results(), indent=2) + "\n"))
    return results()


def summarize_cv(runs: list[dict]) -> dict:
    """Mean of each seed's k-fold accuracy, then mean, std, min and max over seeds."""
    by_seed: dict[int, list[float]] = {}
    for run in runs:
        by_seed.setdefault(run["seed"], []).append(run["accuracy"])
    per_seed = {seed: float(np.mean(accs)) for seed, accs in by_seed.items()}
    values = np.array(list(per_seed.values()))
    fold_values = np.array([run["accuracy"] for run in runs])
    seconds = sum(run["train_seconds"] for run in runs)
    sentences = sum(run["train_examples"] * run["epochs"] for run in runs)
    return {
        "per_seed_accuracy": per_seed,
        "mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        "min": float(values.min()), "max": float(values.max()),
        "fold_std": float(fold_values.std(ddof=1)) if len(fold_values) > 1 else 0.0,
        "train_seconds": seconds, "sentences_per_second": sentences / max(seconds, 1e-9),
    }


def train(dataset="mr", *, preset: str | None = None, resume: bool = False,
          save: bool = True, verbose: int = 1, **options) -> TrainResult:
    """Trains from Python with the same options as ``textcnn train`` (the TrainConfig fields);
    `dataset` is a name, a file or folder, or a loaded ``Dataset`` / ``ImageDataset``.

    Example:
    >>> result = textcnn.train("trec", preset="fast", output_dir="runs/trec", seed=1)
    >>> result.classifier.predict(["Who wrote Hamlet ?"])
    >>> textcnn.train("mnist", task="image", arch="lenet5", epochs=10, output_dir="runs/lenet5")
    """
    from textcnn.data.images import ImageDataset

    given = dataset if isinstance(dataset, (Dataset, ImageDataset)) else None
    name = given.name if given else dataset
    config = TrainConfig.from_preset(preset, dataset=name, **options)
    return fit(config, given, resume=resume, save=save, verbose=verbose)
