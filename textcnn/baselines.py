"""Baselines on the same splits as the CNN: TF-IDF + logistic regression, and fastText.

A CNN's accuracy means little without a yardstick. ``textcnn baseline`` fits two strong linear
baselines on exactly the train/dev/test items ``textcnn train`` would use (same dataset
loading, same held-out splits and seeds, same tokenizer) and, given a trained model, tests
whether the model beats them with McNemar's paired test on the same test items.

- ``tfidf-lr``: TF-IDF of word unigrams and bigrams (sublinear tf) + logistic regression,
  C chosen on the dev split from ``TFIDF_C_GRID`` (scikit-learn).
- ``fasttext``: fastText supervised with word bigrams (Joulin et al. 2017), epochs and learning
  rate chosen on the dev split; one thread and a fixed seed, so runs repeat exactly.

Without a dev split the defaults are used. The dev split only chooses hyperparameters, as it
only early-stops the CNN; neither is trained on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textcnn.errors import TextcnnError
from textcnn.messages import log

BASELINES = ("tfidf-lr", "fasttext")
# The TrainConfig fields that decide the data, its splits and its tokens: the baseline command
# takes these flags only, and a model compared with the baselines should share them.
DATA_FIELDS = ("dataset", "dev", "test", "format", "text_column", "label_column", "encoding",
               "dev_fraction", "test_fraction", "tokenizer", "lowercase", "max_tokens", "seed")
TFIDF_C_GRID = (0.25, 1.0, 4.0, 16.0)
TFIDF_DEFAULTS = {"C": 4.0}
FASTTEXT_GRID = {"epoch": (5, 10, 25), "lr": (0.1, 0.5, 1.0)}
FASTTEXT_DEFAULTS = {"epoch": 25, "lr": 0.5}
FASTTEXT_PREFIX = "__label__"
# fastText hashes bigrams into `bucket` rows (default 2M: 800 MB of floats to initialise, 1.6 s
# per fit even on 100 texts). Twenty rows per distinct training bigram keeps collisions as rare
# as the default does on MR (~100k bigrams), at a fraction of the cost.
FASTTEXT_BUCKETS_PER_BIGRAM, FASTTEXT_MAX_BUCKETS, FASTTEXT_MIN_BUCKETS = 20, 2_000_000, 10_000
INSTALL_HINT = "pip install 'textcnn[baselines]'"


# --- fitted baselines --------------------------------------------------------------------------

class Baseline:
    """A fitted baseline. ``predict_proba(texts)`` has one column per entry of `labels`, in that
    order; `params` holds the hyperparameters used (and the dev accuracy they were chosen by)."""

    method = ""

    def __init__(self, labels: Sequence[str], params: dict):
        self.labels = list(labels)
        self.params = dict(params)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The index into `labels` of each text's most probable label."""
        return self.predict_proba(texts).argmax(axis=1)


class TfidfLogisticRegression(Baseline):
    """A fitted TF-IDF vectorizer and logistic regression over label indices."""

    method = "tfidf-lr"

    def __init__(self, vectorizer, regression, labels: Sequence[str], params: dict):
        super().__init__(labels, params)
        self.vectorizer, self.regression = vectorizer, regression

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.regression.predict_proba(self.vectorizer.transform(list(texts)))
        # Labels absent from training get no column from scikit-learn: probability 0.
        probabilities = np.zeros((len(scores), len(self.labels)))
        probabilities[:, self.regression.classes_] = scores
        return probabilities


class FastTextClassifier(Baseline):
    """A fitted fastText model whose labels are ``__label__<index into labels>``."""

    method = "fasttext"

    def __init__(self, model, tokenize: Callable[[str], list[str]], labels: Sequence[str], params: dict):
        super().__init__(labels, params)
        self.model, self.tokenize = model, tokenize

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        # The low-level binding, one text at a time: fasttext-wheel 0.9.2's `predict` fails under
        # NumPy 2 (np.array(copy=False)), and its batch `multilinePredict` repeats each text's
        # first probability in every column.
        probabilities = np.zeros((len(texts), len(self.labels)))
        for row, text in zip(probabilities, texts):
            line = _fasttext_text(self.tokenize(text)) + "\n"
            for probability, label in self.model.f.predict(line, -1, 0.0, "strict"):  # k=-1: every label
                row[int(label[len(FASTTEXT_PREFIX):])] = probability
        totals = probabilities.sum(axis=1, keepdims=True)  # fastText adds 1e-5 to each probability
        return np.divide(probabilities, totals, out=np.full_like(probabilities, 1 / len(self.labels)),
                         where=totals > 0)


def _fasttext_text(tokens: list[str]) -> str:
    """Tokens as one fastText input line (tokens never hold white space: they come from split())."""
    return " ".join(tokens)


# --- fitting -----------------------------------------------------------------------------------

def _label_indices(labels: Sequence[str], order: list[str], split: str) -> np.ndarray:
    index = {label: i for i, label in enumerate(order)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise TextcnnError(f"The {split} split has labels not in the label list: {', '.join(unknown[:5])}")
    return np.array([index[label] for label in labels], dtype=int)


def _choose_on_dev(grid: list[dict], fit: Callable[..., Baseline], dev) -> Baseline:
    """The model `fit(**params)` of the params in `grid` most accurate on `dev` (texts, label
    indices); the first on ties. Without `dev`, `grid` is one default setting."""
    if dev is None:
        return fit(**grid[0])
    best, best_accuracy = None, -1.0
    for params in grid:
        model = fit(**params)
        accuracy = float(np.mean(model.predict(dev[0]) == dev[1]))
        if accuracy > best_accuracy:
            best, best_accuracy = model, accuracy
    best.params["dev_accuracy"] = best_accuracy
    return best


def _fit_tfidf_lr(texts, y, dev, labels, tokenize, seed) -> Baseline:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits  # a dependency of scikit-learn
    except ImportError:
        raise TextcnnError(f"The tfidf-lr baseline needs scikit-learn: {INSTALL_HINT}") from None

    # Tokens come from the project's tokenizer (it lower-cases when the dataset does), so the
    # vectorizer neither lower-cases nor applies its own token pattern.
    vectorizer = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                 ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    features = vectorizer.fit_transform(texts)

    def fit(C: float) -> Baseline:
        # One BLAS/OpenMP thread, as fastText gets: on a busy machine more threads than free cores
        # made L-BFGS ten times slower (TREC: 57 s instead of 5 s), and times compare like for like.
        with threadpool_limits(limits=1):
            regression = LogisticRegression(C=C, max_iter=1000, random_state=seed).fit(features, y)
        return TfidfLogisticRegression(vectorizer, regression, labels, {"C": C})

    grid = [{"C": c} for c in TFIDF_C_GRID] if dev else [TFIDF_DEFAULTS]
    return _choose_on_dev(grid, fit, dev)


def _fasttext_buckets(token_lists: list[list[str]]) -> int:
    bigrams = {pair for tokens in token_lists for pair in zip(tokens, tokens[1:])}
    return int(np.clip(FASTTEXT_BUCKETS_PER_BIGRAM * len(bigrams), FASTTEXT_MIN_BUCKETS, FASTTEXT_MAX_BUCKETS))


def _fit_fasttext(texts, y, dev, labels, tokenize, seed) -> Baseline:
    try:
        import fasttext
    except ImportError:
        raise TextcnnError(f"The fasttext baseline needs fastText: {INSTALL_HINT}") from None

    token_lists = [tokenize(text) for text in texts]
    buckets = _fasttext_buckets(token_lists)
    with tempfile.TemporaryDirectory(prefix="textcnn-fasttext-") as folder:
        path = Path(folder) / "train.txt"
        # fastText reads the file in order and never shuffles: sorted data (MR's negatives,
        # then its positives) would leave the last class's bias in the model.
        order = np.random.default_rng(seed).permutation(len(texts))
        path.write_text("".join(f"{FASTTEXT_PREFIX}{y[i]} {_fasttext_text(token_lists[i])}\n" for i in order),
                        encoding="utf-8")

        def fit(epoch: int, lr: float) -> Baseline:
            model = fasttext.train_supervised(input=str(path), wordNgrams=2, epoch=epoch, lr=lr, dim=100,
                                              minCount=1, bucket=buckets, seed=seed, thread=1, verbose=0)
            return FastTextClassifier(model, tokenize, labels, {"epoch": epoch, "lr": lr, "bucket": buckets})

        grid = ([{"epoch": e, "lr": r} for r in FASTTEXT_GRID["lr"] for e in FASTTEXT_GRID["epoch"]]
                if dev else [FASTTEXT_DEFAULTS])
        return _choose_on_dev(grid, fit, dev)


def fit_baseline(method: str, train_texts: Sequence[str], train_labels: Sequence[str],
                 dev_texts: Sequence[str] | None = None, dev_labels: Sequence[str] | None = None,
                 seed: int = 0, tokenizer: Callable[[str], list[str]] | None = None,
                 labels: Sequence[str] | None = None) -> Baseline:
    """Fits baseline `method` (one of BASELINES) on the training texts, choosing its
    hyperparameters on the dev texts when they are given.

    Args:
        tokenizer: text -> tokens; default ``Tokenizer().tokenize`` (Kim's, lower-cased). Pass
            the one the CNN uses (``make_tokenizer(config, dataset).tokenize``).
        labels: the column order of ``predict_proba`` (default: the training labels, sorted).

    Example:
    >>> model = fit_baseline("tfidf-lr", ["good film", "bad film"], ["pos", "neg"])
    >>> model.labels, model.predict(["a good one"])
    (['neg', 'pos'], array([1]))
    """
    if method not in BASELINES:
        raise TextcnnError(f"Unknown baseline {method!r}; choose one of {', '.join(BASELINES)}")
    if len(train_texts) != len(train_labels):
        raise TextcnnError(f"{len(train_texts)} training texts but {len(train_labels)} labels")
    if len(set(train_labels)) < 2:
        raise TextcnnError("The training split needs at least two different labels")
    if (dev_texts is None) != (dev_labels is None):
        raise TextcnnError("Give both dev texts and dev labels, or neither")
    if labels is None:
        labels = sorted(set(train_labels))
    labels = list(labels)
    if tokenizer is None:
        from textcnn.data.tokenizer import Tokenizer

        tokenizer = Tokenizer().tokenize
    y = _label_indices(train_labels, labels, "training")
    dev = None
    if dev_texts is not None and len(dev_texts):
        dev = (list(dev_texts), _label_indices(dev_labels, labels, "dev"))
    fit = _fit_tfidf_lr if method == "tfidf-lr" else _fit_fasttext
    return fit(list(train_texts), y, dev, labels, tokenizer, seed)


def evaluate_baseline(method: str, train, dev, test, labels: Sequence[str],
                      tokenize: Callable[[str], list[str]], seed: int = 0) -> dict:
    """Fits `method` on `train` (hyperparameters on `dev`) and evaluates it on `test`
    (``LabeledTexts``): the classification report, plus `method`, `params`, `train_seconds`,
    `predict_per_second` and `predicted`, each test item's label index (for paired tests)."""
    from textcnn.metrics import classification_report

    started = time.perf_counter()
    model = fit_baseline(method, train.texts, train.labels, dev.texts if dev else None,
                         dev.labels if dev else None, seed=seed, tokenizer=tokenize, labels=labels)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predicted = model.predict(test.texts)
    predict_seconds = time.perf_counter() - started
    report = classification_report(_label_indices(test.labels, list(labels), "test"), predicted, list(labels))
    return {**report, "method": method, "params": model.params, "train_seconds": train_seconds,
            "predict_per_second": len(test) / max(predict_seconds, 1e-9), "predicted": predicted.tolist()}


# --- the same data as `textcnn train` ----------------------------------------------------------

@dataclass
class BaselineData:
    """A dataset split exactly as ``textcnn train`` splits it, and the tokenizer it uses."""

    name: str
    labels: list[str]
    train: object  # LabeledTexts
    dev: object
    test: object
    notes: dict
    tokenize: Callable[[str], list[str]]


def load_baseline_data(config) -> BaselineData:
    """The train/dev/test splits and tokenizer that ``textcnn train`` would use for `config`."""
    from textcnn.data.configured import load_config_dataset, make_tokenizer, split_for_training

    if config.task != "text":
        raise TextcnnError("Baselines are for text datasets; image models have none here")
    dataset = load_config_dataset(config)
    train, dev, test, notes = split_for_training(config, dataset)
    if not len(test):
        raise TextcnnError(f"{dataset.name} has an empty test split")
    return BaselineData(dataset.name, dataset.label_names, train, dev, test, notes,
                        make_tokenizer(config, dataset).tokenize)


def run_baseline(config, method: str, verbose: int = 1, data: BaselineData | None = None) -> dict:
    """Fits and evaluates baseline `method` on the splits ``textcnn train`` makes of `config`
    (a TrainConfig); `data` reuses splits already loaded. Returns `evaluate_baseline`'s dict
    with the dataset's `dataset` name and split `notes`.

    Example:
    >>> result = run_baseline(TrainConfig.from_preset("fast", dataset="trec"), "tfidf-lr")
    >>> result["accuracy"], len(result["predicted"])
    """
    data = data or load_baseline_data(config)
    log(f"textcnn baseline: {method} on {data.name}: {len(data.train)} train / "
         f"{len(data.dev) if data.dev else 0} dev / {len(data.test)} test examples", verbose)
    result = evaluate_baseline(method, data.train, data.dev, data.test, data.labels, data.tokenize, config.seed)
    log(f"textcnn baseline: {method}: accuracy {result['accuracy']:.4f} ({_format_params(result['params'])})",
         verbose)
    return {**result, "dataset": data.name, "notes": data.notes}


# --- comparing a trained model -----------------------------------------------------------------

def compare_model(path: str, data: BaselineData, results: dict[str, dict], config=None) -> dict:
    """The trained model at `path` on `data`'s test items: its accuracy, macro-F1, throughput,
    and McNemar's test of it (A) against each baseline result in `results` (B)."""
    from textcnn.inference import load
    from textcnn.metrics import classification_report
    from textcnn.significance import mcnemar

    classifier = load(path)
    if getattr(classifier, "input_shape", None) is not None:
        raise TextcnnError(f"{path} is an image model; baselines compare text models")
    unknown = sorted(set(data.test.labels) - set(classifier.labels))
    if unknown:
        raise TextcnnError(f"Labels the model does not know: {', '.join(unknown[:5])}")
    if config is not None:
        _warn_split_mismatch(classifier.manifest.get("config", {}), config)
    started = time.perf_counter()
    predicted = classifier.predict_proba(data.test.texts).argmax(axis=1)
    seconds = time.perf_counter() - started
    true = _label_indices(data.test.labels, classifier.labels, "test")
    report = classification_report(true, predicted, classifier.labels)
    correct = predicted == true
    baseline_true = _label_indices(data.test.labels, data.labels, "test")
    return {"path": str(path), "accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
            "predict_per_second": len(true) / max(seconds, 1e-9),
            "mcnemar": {method: mcnemar(correct, np.asarray(result["predicted"]) == baseline_true)
                        for method, result in results.items()}}


def _warn_split_mismatch(model_config: dict, config) -> None:
    """A warning when the model was trained with other data settings: then its training items
    may include these test items, and the comparison is not fair."""
    differing = [f"{name}={model_config[name]!r} (here {getattr(config, name)!r})" for name in DATA_FIELDS
                 if name in model_config and model_config[name] != getattr(config, name)]
    if differing:
        print("textcnn: warning: the model was trained with other data settings, so its training "
              f"split may overlap this test split: {', '.join(differing)}", file=sys.stderr)


# --- the `baseline` command --------------------------------------------------------------------

def _format_params(params: dict) -> str:
    return ", ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                     for key, value in params.items())


def _summary(results: dict[str, dict], data: BaselineData, model: dict | None) -> dict:
    """The JSON line of the command: per-method scores, without per-item predictions."""
    keep = ("accuracy", "macro_f1", "train_seconds", "predict_per_second", "params")
    return {"dataset": data.name,
            "examples": {"train": len(data.train), "dev": len(data.dev) if data.dev else 0, "test": len(data.test)},
            "notes": data.notes,
            "baselines": {method: {key: result[key] for key in keep} for method, result in results.items()},
            **({"model": model} if model else {})}


def format_summary(summary: dict) -> str:
    """The command's summary as a plain-text table."""
    examples = summary["examples"]
    lines = [f"{summary['dataset']}: {examples['train']} train / {examples['dev']} dev / {examples['test']} test "
             "examples" + "".join(f"; {split}: {note}" for split, note in summary["notes"].items()), "",
             f"{'method':<10}  accuracy  macro F1  train s   texts/s  params"]
    rows = list(summary["baselines"].items())
    if "model" in summary:
        rows.append(("model", {**summary["model"], "train_seconds": None, "params": {}}))
    for method, row in rows:
        train = "" if row["train_seconds"] is None else f"{row['train_seconds']:.1f}"
        lines.append(f"{method:<10}  {row['accuracy']:8.4f}  {row['macro_f1']:8.4f}  {train:>7}  "
                     f"{row['predict_per_second']:8.0f}  {_format_params(row['params'])}")
    if "model" in summary:
        lines += ["", "McNemar's exact test, model vs each baseline on the same test items:"]
        for method, test in summary["model"]["mcnemar"].items():
            lines.append(f"  vs {method}: only the model right on {test['a_only']}, only {method} on "
                         f"{test['b_only']}; p = {test['p_value']:.4g}")
    return "\n".join(lines)


def cmd_baseline(args) -> int:
    """``textcnn baseline``: the baselines (and optionally a trained model) on the test split."""
    from textcnn.config import config_from_args

    if args.method not in (*BASELINES, "all"):
        raise TextcnnError(f"Unknown baseline {args.method!r}; choose one of {', '.join(BASELINES)} or all")
    if args.model and not Path(args.model).is_file():
        raise TextcnnError(f"No such model file: {args.model}")  # before minutes of fitting
    config = config_from_args(args)
    verbose = 0 if args.quiet else 1
    data = load_baseline_data(config)
    methods = BASELINES if args.method == "all" else (args.method,)
    results = {method: run_baseline(config, method, verbose, data) for method in methods}
    model = compare_model(args.model, data, results, config) if args.model else None
    summary = _summary(results, data, model)
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Adds the ``baseline`` command to the textcnn CLI (entry point group ``textcnn.commands``).

    Example:
    >>> parser = argparse.ArgumentParser(prog="textcnn")
    >>> _ = register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["baseline", "--dataset", "trec", "--method", "tfidf-lr"])
    """
    from textcnn.config import add_config_arguments

    parser = subparsers.add_parser(
        "baseline", help="TF-IDF + logistic regression and fastText on the same splits as train",
        description="Fit TF-IDF + logistic regression and fastText (bigrams) on exactly the train/dev/test "
                    "items `textcnn train` uses for the same data flags, and report their test accuracy; "
                    "with --model, also test a trained model against them (McNemar).")
    add_config_arguments(parser, only=DATA_FIELDS)
    parser.add_argument("--method", default="all", metavar="METHOD",
                        help=f"{', '.join(BASELINES)} or all (default: all)")
    parser.add_argument("--model", default=None, metavar="PATH",
                        help="a trained model.textcnn to compare on the same test items (McNemar's test)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of a table")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(func=cmd_baseline)
    return parser
