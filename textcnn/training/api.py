"""The public training API: `fit` a configuration, `train` from Python with the command line's
options, `cross_validate`, `evaluate`.

``fit`` trains one model and writes a run directory:

    model.textcnn            the artifact (see textcnn.artifact)
    config.json              the TrainConfig
    metrics.csv              one row per epoch: train and dev loss/accuracy, seconds
    report.json, report.txt  the test-set evaluation
    embeddings.json          where the word vectors came from, and their coverage
    learning_curve.png, confusion_matrix.png   (with matplotlib: the `reports` extra)
    tensorboard/             TensorBoard logs
    checkpoints/             one complete checkpoint per epoch, switched to atomically;
                             ``resume=True`` continues from the newest
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from textcnn.artifact import atomic_write
from textcnn.config import TrainConfig
from textcnn.data.configured import cv_fold_splits, load_config_dataset, make_tokenizer, split_for_training
from textcnn.data.datasets import Dataset
from textcnn.errors import TextcnnError
from textcnn.metrics import format_report
from textcnn.training.loop import placement
from textcnn.messages import log
from textcnn.training.results import TrainResult, evaluate  # noqa: F401  (part of this API)
from textcnn.training.tasks import TASKS
from textcnn.training.text import train_on_splits


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
    result = TASKS[config.task].train(config, dataset, train, dev, test, run_dir, resume, verbose)
    result.splits = notes
    result.classifier.manifest["data"]["notes"] = notes
    if run_dir and chief:
        write_run_outputs(run_dir, result, verbose)
    if result.report:
        log(format_report(result.report), verbose)
    return result


def write_run_outputs(run_dir: Path, result: TrainResult, verbose: int) -> None:
    """The artifact, the embedding provenance, the report and (with matplotlib) the plots."""
    result.classifier.save(run_dir / "model.textcnn")
    if "embeddings" in result.classifier.manifest:
        (run_dir / "embeddings.json").write_text(json.dumps(result.classifier.manifest["embeddings"], indent=2) + "\n")
    if result.report:
        (run_dir / "report.json").write_text(json.dumps(result.report, indent=2) + "\n")
        (run_dir / "report.txt").write_text(format_report(result.report) + "\n")
    try:
        from textcnn.plots import plot_confusion_matrix, plot_learning_curve
    except ImportError:
        log("textcnn: matplotlib is not installed, so no plots (pip install 'textcnn[reports]')", verbose)
        return
    plot_learning_curve(result.history, run_dir / "learning_curve.png")
    if result.report:
        plot_confusion_matrix(result.report, run_dir / "confusion_matrix.png")


def cross_validate(config: TrainConfig, folds: int | None = None, seeds=(0, 1, 2),
                   dataset: Dataset | None = None, verbose: int = 1, save: bool = True,
                   resume: bool = False) -> dict:
    """k-fold cross-validation repeated over `seeds` (Zhang & Wallace 2015: report the spread).

    Each seed draws its own stratified folds and initialisation; in each fold a dev split is
    held out of the training folds for early stopping. Returns (and with `save` writes to
    ``output_dir/cv_results.json`` after every fold) each fold's accuracy and the summary over
    seeds. With `resume`, folds already in that file (for the same configuration) are kept.
    """
    if not TASKS[config.task].cross_validation:
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
        for k, (train_part, dev_part, test_part) in enumerate(cv_fold_splits(data, folds, seed, config.dev_fraction)):
            if (seed, k) in done:
                continue
            log(f"textcnn cv: seed {seed}, fold {k + 1}/{folds}", verbose)
            result = train_on_splits(config.replace(seed=seed), train_part, dev_part, test_part, labels,
                                     tokenizer, None, False, max(verbose - 1, 0), dataset.name)
            runs.append({"seed": seed, "fold": k, "accuracy": result.report["accuracy"],
                         "macro_f1": result.report["macro_f1"], "best_epoch": result.best_epoch,
                         "epochs": len(result.history), "train_seconds": result.train_seconds,
                         "train_examples": result.train_examples})
            log(f"textcnn cv: seed {seed}, fold {k + 1}: accuracy {result.report['accuracy']:.4f}", verbose)
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
