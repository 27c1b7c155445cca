"""The training configuration: one frozen dataclass, presets, and the command-line flags.

Every field has the same name as its command-line flag (``region_sizes`` <-> ``--region-sizes``)
and as the layer or function argument it ends up in. A preset supplies defaults; any field given
explicitly overrides it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from textcnn.data.augmentation import AUGMENTATIONS
from textcnn.data.images import COLOR_MODES
from textcnn.errors import TextcnnError
from textcnn.models.names import IMAGE_ARCHITECTURES, VARIANTS
from textcnn.options import add_dataclass_arguments, field_default, given_values, option
DEFAULT_VECTORS = "glove-6b-50d"  # installs offline with the `glove` extra
OPTIMIZERS = ("adadelta", "adam", "sgd")
LEARNING_RATE_SCHEDULES = ("constant", "cosine")
DEVICES = ("auto", "cpu", "gpu")
STRATEGIES = ("auto", "single", "mirrored", "multi-worker")
TASKS = ("text", "image")
IMAGE_SPLITS = ("classic", "full")

_FAST = dict(
    region_sizes=(3, 4, 5), feature_maps=100, activation="relu", dropout=0.5, max_norm=3.0,
    optimizer="adam", learning_rate=1e-3, batch_size=50, epochs=10, patience=2,
)
PRESETS: dict[str, dict] = {
    # Kim (2014): region sizes 3,4,5 x 100 maps, ReLU, dropout 0.5, max-norm 3, Adadelta
    # (rho 0.95), batch 50, at most 25 epochs, early stopping on the dev split (the epoch best on
    # dev is kept; training stops after 5 epochs without improvement).
    "kim2014": dict(
        region_sizes=(3, 4, 5), feature_maps=100, activation="relu", dropout=0.5, max_norm=3.0,
        optimizer="adadelta", learning_rate=1.0, rho=0.95, batch_size=50, epochs=25, patience=5,
    ),
    # Modern defaults: the same network trained by Adam, stopping when the dev split stops
    # improving; reaches Kim's accuracy in a few epochs.
    "fast": _FAST,
    # Pretrained vectors that pay on small data: non-static GloVe 6B 50-d (the offline default
    # source) with a 300-d channel learned from scratch beside it; every filter spans both. Fifty
    # pretrained dimensions alone tie CNN-rand on MR; side by side with the learned channel they beat
    # it and both peers (MR 78.3 ± 0.3 vs 76.7 ± 0.2; benchmarks/glove50_learned300.md). `fast`
    # with at most 25 epochs, patience 3.
    "pretrained": {**_FAST, "epochs": 25, "patience": 3, "variant": "non-static", "learned_dim": 300},
    # The recommended sentence classifier, for data it has never seen (frozen 2026-12-04, chosen on
    # dev splits only; benchmarks/accuracy.md): `fast` with words seen once standing in for unseen
    # words (the unknown vector is learned, not left random: the main cause of seed-to-seed spread,
    # benchmarks/seed_variance.md), a fastText-style bag of hashed uni/bigrams beside the
    # convolutions (benchmarks/lever_ngram.md), and three seeds averaged into one model. About nine
    # times `fast`'s training time.
    "best": {**_FAST, "unknown_word_rate": 0.25, "ngram_buckets": 200_000, "ngram_dim": 100, "ensemble": 3},
    # The deeplearning.net LeNet tutorial (convolutional_mlp.py): MNIST 50k/10k/10k, plain SGD at
    # learning rate 0.1, mini-batches of 500, no dropout, at most 200 epochs; the epoch best on
    # the validation split is kept.
    "lenet-tutorial": dict(
        task="image", dataset="mnist", arch="lenet-tutorial", split="classic", dropout=None,
        optimizer="sgd", learning_rate=0.1, batch_size=500, epochs=200, patience=None,
    ),
    # The same network and data in minutes: momentum 0.9, a cosine decay over 30 epochs (the
    # tutorial's plain SGD needs ~200 epochs) and small random shifts and rotations (without them
    # it reached 0.95% test error, seed 0: it fits the training set by epoch ~15); the epoch best
    # on validation is kept.
    "lenet-tutorial-fast": dict(
        task="image", dataset="mnist", arch="lenet-tutorial", split="classic", dropout=None, augment="shift-rotate",
        optimizer="sgd", learning_rate=0.1, momentum=0.9, learning_rate_schedule="cosine",
        batch_size=500, epochs=30, patience=None,
    ),
    # LeNet-5 (LeCun et al. 1998, with its C3 connection table) trained by SGD with momentum and a
    # cosine decay, on digits shifted and rotated a little (LeCun's distortions, in spirit).
    "lenet5": dict(
        task="image", dataset="mnist", arch="lenet5", split="classic", dropout=None, augment="shift-rotate",
        optimizer="sgd", learning_rate=0.05, momentum=0.9, learning_rate_schedule="cosine",
        batch_size=128, epochs=15, patience=None,
    ),
    # Small modern image networks (VGG, ResNet, Inception with batch normalisation): Adam with a
    # cosine decay, batches of 128, small random shifts and rotations; the best validation epoch
    # is kept.
    "image-modern": dict(
        task="image", dataset="mnist", arch="vgg", split="classic", dropout=None, augment="shift-rotate",
        optimizer="adam", learning_rate=1e-3, learning_rate_schedule="cosine", batch_size=128,
        epochs=8, patience=None,
    ),
}
DEFAULT_PRESETS = {"text": "kim2014", "image": "lenet-tutorial"}



@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (written as ``config.json`` beside its outputs)."""

    # What is classified.
    task: str = option("text", "text (sentence CNNs) or image (LeNet and modern image CNNs)")
    # Data.
    dataset: str = option("mr", "a benchmark name (text: mr, sst1, sst2, subj, trec, trec-fine, cr, mpqa; image: mnist, fashion-mnist, cifar10), a training file, or (images) a folder of class sub-folders")
    dev: str | None = option(None, "a dev file (default: the dataset's dev split, else --dev-fraction of train)", task="text")
    test: str | None = option(None, "a test file (default: the dataset's test split)", task="text")
    format: str | None = option(None, "file format: csv, tsv, jsonl, fasttext, label-first (default: from the file)", task="text")
    text_column: str = option("text", "text column of CSV/TSV/JSONL files", task="text")
    label_column: str = option("label", "label column of CSV/TSV/JSONL files", task="text")
    encoding: str = option("utf-8", "text encoding of data files", task="text")
    dev_fraction: float = option(0.1, "share of train held out for early stopping when there is no dev split")
    test_fraction: float = option(0.1, "share held out for the test report when there is no test split")
    # Images.
    split: str = option("classic", "image benchmarks: classic (MNIST 50k/10k/10k; CIFAR-10 batches 1-4 / 5 / test) or full (all training images; --dev-fraction validates)", task="image")
    image_size: tuple[int, ...] | None = option(None, "HEIGHT,WIDTH a folder's images are resized to (default: their most common size)", task="image")
    color_mode: str | None = option(None, "grayscale or rgb for a folder's images (default: rgb when any image has colour)", task="image")
    arch: str | None = option(None, "image architecture: " + ", ".join(IMAGE_ARCHITECTURES), task="image")
    arch_options: dict = option(help="options of the image architecture's builder, KEY=VALUE;... (vgg: widths=32,64,128;convs_per_block=1; see textcnn.models.build_image_model)", task="image", default_factory=dict)
    augment: str = option("none", "training-time augmentation of images: none, shift, rotate or shift-rotate", task="image")
    # Text.
    tokenizer: str = option("kim", "kim (Kim's cleaning, Unicode-aware) or whitespace", task="text")
    lowercase: bool | None = option(None, "lower-case texts (default: the dataset's convention; TREC keeps case)", task="text")
    min_count: int = option(1, "minimum count of a training-split token to enter the vocabulary", task="text")
    max_tokens: int | None = option(None, "truncate texts to this many tokens", task="text")
    # Model.
    variant: str = option("rand", "rand, static, non-static or multichannel", task="text")
    vectors: str | None = option(None, f"pretrained word vectors of static, non-static and multichannel: a file or a named source (default: {DEFAULT_VECTORS})", task="text")
    embedding_dim: int = option(300, "embedding size of the rand variant", task="text")
    embedding_init_scale: float = option(0.25, "learned embeddings start uniform in [-scale, scale]", task="text")
    learned_dim: int = option(0, "width of an extra embedding channel learned from scratch beside the pretrained vectors (0: none)", task="text")
    region_sizes: tuple[int, ...] = option((3, 4, 5), "region sizes, comma-separated", task="text")
    feature_maps: int = option(100, "filters per region size", task="text")
    activation: str = option("relu", "activation of the convolution", task="text")
    dropout: float | None = option(0.5, "dropout rate before the softmax layer (images: none keeps the architecture's own)")
    word_dropout: float = option(0.0, "share of word positions whose embeddings are zeroed while training (0: off)", task="text")
    unknown_word_rate: float = option(0.0, "chance that a training occurrence of a word seen once becomes the unknown token, so that the unknown token's vector is learned (0: it keeps its random start, and unseen words at prediction move each seed's model differently)", task="text")
    max_norm: float | None = option(3.0, "max L2 norm of each class's softmax weights (none: off)", task="text")
    ngram_buckets: int = option(0, "hash buckets of a bag-of-n-grams branch trained beside the convolutions: the mean of the sentence's word and hashed word-bigram vectors, concatenated with the pooled features before the softmax (fastText-like: 200000; 0: no branch)", task="text")
    ngram_dim: int = option(100, "vector size of the n-gram branch (with --ngram-buckets)", task="text")
    # Optimisation.
    preset: str = option("kim2014", "defaults to start from: " + ", ".join(PRESETS))
    optimizer: str = option("adadelta", "adadelta, adam or sgd")
    learning_rate: float = option(1.0, "learning rate")
    rho: float = option(0.95, "Adadelta's decay rate")
    momentum: float = option(0.0, "SGD's momentum (0: plain SGD)")
    learning_rate_schedule: str = option("constant", "constant, or cosine (decays the learning rate to 0 over all `epochs`)")
    batch_size: int = option(50, "mini-batch size")
    epochs: int = option(25, "maximum number of epochs")
    patience: int | None = option(5, "stop after this many epochs without dev improvement (none: run all epochs); the best dev epoch is kept either way")
    class_weight: str | None = option(None, "'balanced' weighs classes inversely to their frequency")
    # Where it runs (textcnn.training.distribute).
    device: str = option("auto", "auto (a GPU when TensorFlow sees one), cpu or gpu")
    strategy: str = option("auto", "auto, single, mirrored (all GPUs, else all logical CPUs of this machine) or multi-worker (the cluster in TF_CONFIG); batch_size is the global batch")
    mixed_precision: bool = option(False, "compute in float16 with loss scaling on GPUs, bfloat16 elsewhere; weights stay float32")
    jit_compile: bool = option(False, "compile training steps with XLA (single-device training; distributed runs do not)")
    # Run.
    seed: int = option(0, "random seed")
    ensemble: int = option(1, "train this many models (seeds seed, seed+1, ...) on the same splits and save them as one model whose probabilities are their mean")
    deterministic: bool = option(False, "bit-for-bit repeatable on the same machine (slower)")
    bucket: bool = option(False, "batch sentences of similar length together: faster, but non-random batches cost about a point of accuracy (SST-2, measured)", task="text")
    tensorboard: bool = option(True, "write TensorBoard logs")
    output_dir: str = option("runs/latest", "where the model and the run's outputs go")

    def __post_init__(self):
        object.__setattr__(self, "region_sizes", tuple(self.region_sizes))
        if self.image_size is not None:
            object.__setattr__(self, "image_size", tuple(self.image_size))
        if self.task == "image" and self.arch is None:
            object.__setattr__(self, "arch", "lenet-tutorial")
        if self.task == "text" and self.variant != "rand" and not self.vectors:
            object.__setattr__(self, "vectors", DEFAULT_VECTORS)
        self._check_task()
        problems = [
            (self.variant not in VARIANTS, f"`variant` must be one of {', '.join(VARIANTS)}. Received: variant={self.variant!r}"),
            (self.preset not in PRESETS, f"`preset` must be one of {', '.join(PRESETS)}. Received: preset={self.preset!r}"),
            (self.device not in DEVICES, f"`device` must be one of {', '.join(DEVICES)}. Received: device={self.device!r}"),
            (self.strategy not in STRATEGIES, f"`strategy` must be one of {', '.join(STRATEGIES)}. Received: strategy={self.strategy!r}"),
            (self.learning_rate_schedule not in LEARNING_RATE_SCHEDULES, f"`learning_rate_schedule` must be one of {', '.join(LEARNING_RATE_SCHEDULES)}. Received: learning_rate_schedule={self.learning_rate_schedule!r}"),
            (self.optimizer not in OPTIMIZERS, f"`optimizer` must be one of {', '.join(OPTIMIZERS)}. Received: optimizer={self.optimizer!r}"),
            (self.learned_dim < 0, f"`learned_dim` must be 0 or positive. Received: learned_dim={self.learned_dim}"),
            (self.learned_dim > 0 and self.variant == "rand", "`learned_dim` adds a learned channel beside pretrained vectors; the rand variant learns all of its `embedding_dim`"),
            (not self.region_sizes or min(self.region_sizes) < 1, f"`region_sizes` must be positive integers. Received: region_sizes={self.region_sizes}"),
            (self.feature_maps < 1, f"`feature_maps` must be positive. Received: feature_maps={self.feature_maps}"),
            (self.dropout is None and self.task == "text", "`dropout` must be a number for text models. Received: dropout=None"),
            (not 0 <= self.word_dropout < 1, f"`word_dropout` must be in [0, 1). Received: word_dropout={self.word_dropout}"),
            (not 0 <= self.unknown_word_rate <= 1, f"`unknown_word_rate` must be in [0, 1]. Received: unknown_word_rate={self.unknown_word_rate}"),
            (self.dropout is not None and not 0 <= self.dropout < 1, f"`dropout` must be in [0, 1). Received: dropout={self.dropout}"),
            (self.split not in IMAGE_SPLITS, f"`split` must be one of {', '.join(IMAGE_SPLITS)}. Received: split={self.split!r}"),
            (self.augment not in AUGMENTATIONS, f"`augment` must be one of {', '.join(AUGMENTATIONS)}. Received: augment={self.augment!r}"),
            (self.color_mode not in (None, *COLOR_MODES), f"`color_mode` must be one of {', '.join(COLOR_MODES)} or none. Received: color_mode={self.color_mode!r}"),
            (self.image_size is not None and (len(self.image_size) != 2 or min(self.image_size) < 1), f"`image_size` must be two positive integers, height and width. Received: image_size={self.image_size}"),
            (self.max_norm is not None and self.max_norm <= 0, f"`max_norm` must be positive or none. Received: max_norm={self.max_norm}"),
            (not 0 <= self.momentum < 1, f"`momentum` must be in [0, 1). Received: momentum={self.momentum}"),
            (self.momentum and self.optimizer != "sgd", f"`momentum` is an option of the sgd optimizer. Received: optimizer={self.optimizer!r}"),
            (self.learning_rate <= 0, f"`learning_rate` must be positive. Received: learning_rate={self.learning_rate}"),
            (self.batch_size < 1, f"`batch_size` must be positive. Received: batch_size={self.batch_size}"),
            (self.epochs < 1, f"`epochs` must be positive. Received: epochs={self.epochs}"),
            (self.ensemble < 1, f"`ensemble` must be at least 1. Received: ensemble={self.ensemble}"),
            (self.patience is not None and self.patience < 1, f"`patience` must be positive or none. Received: patience={self.patience}"),
            (self.embedding_dim < 1, f"`embedding_dim` must be positive. Received: embedding_dim={self.embedding_dim}"),
            (self.ngram_buckets < 0, f"`ngram_buckets` must be 0 (no n-gram branch) or positive. Received: ngram_buckets={self.ngram_buckets}"),
            (self.ngram_dim < 1, f"`ngram_dim` must be positive. Received: ngram_dim={self.ngram_dim}"),
            (self.min_count < 1, f"`min_count` must be at least 1. Received: min_count={self.min_count}"),
            (self.class_weight not in (None, "balanced"), f"`class_weight` must be 'balanced' or none. Received: class_weight={self.class_weight!r}"),
            (not 0 < self.dev_fraction < 1, f"`dev_fraction` must be in (0, 1). Received: dev_fraction={self.dev_fraction}"),
            (not 0 < self.test_fraction < 1, f"`test_fraction` must be in (0, 1). Received: test_fraction={self.test_fraction}"),
        ]
        for failed, message in problems:
            if failed:
                raise TextcnnError(message)

    def _check_task(self):
        """Options of text models are refused for image models, and vice versa (each field's
        metadata says which task it belongs to)."""
        if self.task not in TASKS:
            raise TextcnnError(f"`task` must be one of {', '.join(TASKS)}. Received: task={self.task!r}")
        for f in dataclasses.fields(self):
            owner = f.metadata.get("task")
            value = getattr(self, f.name)
            if owner and owner != self.task and value != field_default(f) and not (f.name == "arch" and value is None):
                raise TextcnnError(f"`{f.name}` is an option of {owner} models, not of task={self.task!r}. "
                                   f"Received: {f.name}={value!r}")

    @classmethod
    def from_preset(cls, preset: str | None = None, **overrides) -> "TrainConfig":
        """The preset's settings, then `overrides` on top. Without a preset, the task's default
        (kim2014 for text, lenet-tutorial for images).

        Example:
        >>> TrainConfig.from_preset("fast", dataset="trec", feature_maps=200).optimizer
        'adam'
        >>> TrainConfig.from_preset(task="image", dataset="fashion-mnist").arch
        'lenet-tutorial'
        """
        if preset is None:
            preset = DEFAULT_PRESETS.get(overrides.get("task", "text"), "kim2014")
        if preset not in PRESETS:
            raise TextcnnError(f"`preset` must be one of {', '.join(PRESETS)}. Received: preset={preset!r}")
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TextcnnError(f"Unknown training option(s): {', '.join(sorted(unknown))}")
        return cls(**{**PRESETS[preset], **overrides, "preset": preset})

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["region_sizes"] = list(self.region_sizes)
        if self.image_size is not None:
            data["image_size"] = list(self.image_size)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")


# --- command-line flags, generated from the fields so the names cannot drift -----------------

def add_config_arguments(parser: argparse.ArgumentParser, skip: tuple[str, ...] = (), only=None) -> None:
    """Adds a ``--flag`` for every TrainConfig field (with its help, scope and default); only
    flags given end up in the namespace, so a preset's values stay unless overridden."""
    add_dataclass_arguments(parser, TrainConfig, skip=skip, only=only)


def config_from_args(namespace: argparse.Namespace, **extra) -> TrainConfig:
    """The TrainConfig of a parsed command line: preset first, then the flags given."""
    given = {**given_values(namespace, TrainConfig), **extra}
    if getattr(namespace, "config_file", None):  # --config FILE: a saved configuration, then the flags
        return config_from_file(namespace.config_file, **given)
    preset = given.pop("preset", None)
    return TrainConfig.from_preset(preset, **given)


def config_from_file(path, **overrides) -> TrainConfig:
    """A saved TrainConfig (a run's ``config.json``, ``textcnn tune``'s ``best_config.json``) with
    `overrides` on top; an overriding ``preset`` applies that preset's settings first."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TextcnnError(f"No such config file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TextcnnError(f"{path} is not a JSON configuration ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise TextcnnError(f"{path} is not a JSON configuration (expected an object of TrainConfig fields)")
    unknown = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise TextcnnError(f"Unknown training option(s): {', '.join(sorted(unknown))}")
    if "preset" in overrides:
        preset = overrides.pop("preset")
        if preset not in PRESETS:
            raise TextcnnError(f"`preset` must be one of {', '.join(PRESETS)}. Received: preset={preset!r}")
        data = {**data, **PRESETS[preset], "preset": preset}
    return TrainConfig.from_dict({**data, **overrides})
