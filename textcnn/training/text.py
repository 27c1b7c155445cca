"""Training the Kim sentence CNN: texts become token ids over a vocabulary built from the
training split, batches are padded to their longest sentence, and the classifier carries the
tokenizer and vocabulary."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from textcnn.artifact import atomic_write
from textcnn.data.configured import make_tokenizer
from textcnn.data.formats import LabeledTexts
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary
from textcnn.errors import TextcnnError
from textcnn.inference.text import TextClassifier
from textcnn.training.ensemble import train_ensemble
from textcnn.training.inputs import TrainingInputs, batch_bounds
from textcnn.training.loop import placement, seed_everything
from textcnn.messages import log
from textcnn.training.results import TrainResult, finish_training


def arguments_of(builder, config) -> dict:
    """The fields of `config` that `builder` takes as keyword arguments of the same name (the
    configuration, the command line and the model share their names)."""
    names = inspect.signature(builder).parameters
    return {name: getattr(config, name) for name in names if hasattr(config, name)}


def embedding_matrix_for(config: TrainConfig, vocabulary: Vocabulary, verbose: int):
    """The pretrained matrix and its provenance, or ``(None, provenance)`` for ``rand``."""
    if config.variant == "rand":
        return None, {"variant": "rand", "source": None}
    import textcnn_embeddings as embeddings

    matrix, coverage = embeddings.build_matrix(config.vectors, vocabulary.tokens,
                                               token_counts=vocabulary.counts, seed=config.seed)
    log(coverage.report(), verbose)
    return matrix, {"variant": config.variant, **coverage.to_dict()}


class TextInputs(TrainingInputs):
    """Token-id sequences, each batch padded to its longest sentence."""

    def __init__(self, config: TrainConfig, train_ids, train_y, dev_ids, classes: int,
                 vocabulary: Vocabulary, matrix):
        super().__init__(config, train_y, classes, np.array([len(s) for s in train_ids]))
        self.dev_ids, self.vocabulary, self.matrix = dev_ids, vocabulary, matrix
        self.flat_ids = np.concatenate([np.asarray(s, "int32") for s in train_ids] + [np.zeros(0, "int32")])
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        # Ids of the words seen once in training: the stand-ins for words never seen (see
        # `unknown_word_rate`).
        seen = np.bincount(self.flat_ids, minlength=len(vocabulary))
        self.singletons = seen == 1

    def build(self):
        from textcnn.models import build_kim_cnn

        return build_kim_cnn(vocab_size=len(self.vocabulary), num_classes=self.classes,
                             embedding_matrix=self.matrix, **arguments_of(build_kim_cnn, self.config))

    def dataset_of(self, batches, widest, epoch):
        """Batches of example indices as a native tf.data pipeline (a Python generator is ~2x
        slower): the examples reordered batch after batch, each batch sliced out and padded to
        the longest sentence of its global batch."""
        import tensorflow as tf

        lengths, offsets, flat_ids = self.lengths, self.offsets, self.flat_ids
        widths = np.asarray([max(1, lengths[b].max()) for b in widest], "int32")
        order = np.concatenate(batches)
        flat = np.concatenate([flat_ids[offsets[i]: offsets[i + 1]] for i in order] + [np.zeros(0, "int32")])
        flat = self.with_unknown_words(flat, epoch)
        rows = tf.RaggedTensor.from_row_lengths(flat, lengths[order])
        y, w = tf.constant(self.train_y[order]), tf.constant(self.weights[order])

        def batch(start, end, width):
            x = rows[start:end].to_tensor()
            x = tf.pad(x, [[0, 0], [0, width - tf.shape(x)[1]]])
            return x, y[start:end], w[start:end]

        data = tf.data.Dataset.from_tensor_slices((*batch_bounds(batches), widths))
        return data.map(batch, num_parallel_calls=1).prefetch(2)

    def with_unknown_words(self, flat: np.ndarray, epoch: int) -> np.ndarray:
        """`flat` with each occurrence of a word seen once in training replaced by the unknown
        token (id 1) with probability ``unknown_word_rate``, drawn anew each epoch (seeded by seed
        and epoch, so a resumed run draws the same). Without it the unknown token never occurs in
        training and its vector stays at its random initialisation: every unseen word at
        prediction time then pushes the classes by a different random amount in each seed."""
        rate = self.config.unknown_word_rate
        if not rate:
            return flat
        rng = np.random.default_rng([self.config.seed, epoch, 1_000_003])
        replace = self.singletons[flat] & (rng.random(len(flat)) < rate)
        return np.where(replace, np.int32(1), flat).astype("int32")

    def dev_scorer(self, model):
        from textcnn.inference.text import TextClassifier

        scorer = TextClassifier(model, None, self.vocabulary, [str(i) for i in range(self.classes)])
        return lambda: scorer.predict_proba_encoded(self.dev_ids)


def train_on_splits(config: TrainConfig, train: LabeledTexts, dev: LabeledTexts,
                    test: LabeledTexts | None, labels: list[str], tokenizer: Tokenizer,
                    run_dir: Path | None = None, resume: bool = False, verbose: int = 1,
                    dataset_name: str = "") -> TrainResult:
    """Trains on `train`, early-stops on `dev`, evaluates on `test`; everything in memory unless
    `run_dir` is given."""
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
    log(f"textcnn: {len(train)} train / {len(dev)} dev / {len(test) if test else 0} test examples, "
         f"{len(labels)} labels, vocabulary {len(vocabulary)}", verbose)
    # One model, or (`ensemble`) several on the same vocabulary and vectors, averaged.
    trained, ensemble = train_ensemble(
        config, lambda c: TextInputs(c, train_ids, train_y, dev_ids, len(labels), vocabulary, matrix),
        dev_y, run_dir, resume, verbose)
    classifier = TextClassifier(trained.model, tokenizer, vocabulary, labels)
    return finish_training(config, classifier, trained, train, dev, test, dataset_name, run_dir,
                           embeddings=provenance, **ensemble)


def train_text(config, dataset, train, dev, test, run_dir: Path | None, resume: bool, verbose: int) -> TrainResult:
    """The text task's entry in :data:`textcnn.training.tasks.TASKS`."""
    return train_on_splits(config, train, dev, test, dataset.label_names, make_tokenizer(config, dataset),
                           run_dir, resume, verbose, dataset.name)
