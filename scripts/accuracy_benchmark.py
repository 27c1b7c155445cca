#!/usr/bin/env python
"""The accuracy table: textcnn's CNN against TF-IDF + LR and fastText on exactly the same items.

For each dataset and seed, trains each CNN configuration (``--preset``, with ``--set``
overrides) and both baselines (``textcnn.baselines``) on the same train/dev/test items and
records every test item's correctness, so that the CNN can be tested against the better
baseline with a paired test:

- datasets evaluated by cross-validation (MR: no test split): each seed's stratified folds, a
  dev split held out of the training folds, exactly as ``textcnn cv`` splits them; a paired
  t-test over the same folds, per seed;
- datasets with a test split (TREC, TREC-fine, SST-2): the splits ``textcnn train`` makes;
  McNemar's exact test on the same test items, per seed.

Usage (from the repository root):

    TEXTCNN_DATA_DIR=../shared/data python scripts/accuracy_benchmark.py --preset kim2014 --preset fast
    python scripts/accuracy_benchmark.py --datasets trec --seeds 0 --preset fast --set epochs=1 \
        --output /tmp/acc_try                                   # a quick try

Every finished run is stored in ``<output>.json`` at once (keyed dataset/system/seed/fold) and
``<output>.md`` rewritten; running the same command again skips finished runs, so an interrupted
benchmark continues where it stopped. Rows with runs missing are marked partial.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import sys
import time
from functools import partial
from itertools import islice
from pathlib import Path

import numpy as np

from textcnn.artifact import atomic_write
from textcnn.baselines import BASELINES, DATA_FIELDS, evaluate_baseline
from textcnn.config import DEFAULT_PRESETS, TrainConfig
from textcnn.data.configured import cv_fold_splits, split_for_training
from textcnn.errors import TextcnnError
from textcnn.significance import mcnemar, paired_t_test
from textcnn.training.experiments import parse_overrides

DATASETS = ("mr", "trec", "trec-fine", "sst2")
TEST_FOLD = "test"  # the fold name of a run on a dataset's own test split


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--preset", action="append", default=None, metavar="NAME",
                        help=f"a CNN configuration to train (repeatable; default: {DEFAULT_PRESETS['text']})")
    parser.add_argument("--set", action="extend", nargs="+", default=[], metavar="FIELD=VALUE",
                        help="TrainConfig overrides for every preset, e.g. epochs=5 feature_maps=200")
    parser.add_argument("--output", default="benchmarks/accuracy", help="the stem of the .json and .md files")
    parser.add_argument("--max-folds", type=int, default=None,
                        help="cross-validation: run only the first N folds of each seed (quick tries)")
    args = parser.parse_args(argv)
    args.preset = args.preset or [DEFAULT_PRESETS["text"]]
    return args


# --- what is trained ---------------------------------------------------------------------------

def cnn_systems(presets: list[str], sets: list[str]) -> dict[str, dict]:
    """``{system name: TrainConfig overrides}``: each preset with the --set overrides; the name
    is the preset followed by the overrides, so that other settings never share stored runs."""
    overrides = parse_overrides(sets)
    suffix = "".join(f" {item}" for item in sets)
    systems = {f"{preset}{suffix}": {"preset": preset, **overrides} for preset in presets}
    for name in BASELINES:
        if name in systems:
            raise TextcnnError(f"A CNN configuration cannot be named like a baseline: {name}")
    return systems


def make_configs(systems: dict[str, dict], dataset: str) -> dict[str, TrainConfig]:
    """Each system's TrainConfig on `dataset`; they must split and tokenize the data alike,
    since the baselines run once on one set of splits."""
    configs = {name: TrainConfig.from_preset(options["preset"], dataset=dataset, tensorboard=False,
                                             **{k: v for k, v in options.items() if k != "preset"})
               for name, options in systems.items()}
    settings = {name: {f: getattr(config, f) for f in DATA_FIELDS if f != "seed"} for name, config in configs.items()}
    if len({json.dumps(s, sort_keys=True, default=str) for s in settings.values()}) > 1:
        raise TextcnnError(f"The CNN configurations split or tokenize {dataset} differently: {settings}")
    return configs


def splits_of(dataset, config: TrainConfig, seed: int, max_folds: int | None):
    """``(fold, train, dev, test)`` for each run of one seed: the folds of ``textcnn cv`` for a
    dataset evaluated by cross-validation (no test split), else the splits of ``textcnn train``."""
    if dataset.test is not None or not dataset.cv_folds:
        train, dev, test, _ = split_for_training(config.replace(seed=seed), dataset)
        yield TEST_FOLD, train, dev, test
        return
    folds = cv_fold_splits(dataset.train, dataset.cv_folds, seed, config.dev_fraction)  # as `textcnn cv`
    for k, (train, dev, test) in enumerate(islice(folds, max_folds)):
        yield str(k), train, dev, test


def protocol_of(dataset, config: TrainConfig, max_folds: int | None) -> dict:
    """The evaluation protocol of `dataset` as stored: its fold names and how to describe them."""
    if dataset.test is not None:
        return {"folds": [TEST_FOLD], "cv": False, "text": f"its test split ({len(dataset.test)} items)"}
    if not dataset.cv_folds:
        return {"folds": [TEST_FOLD], "cv": False, "text": f"{config.test_fraction:.0%} of train held out as test"}
    folds = dataset.cv_folds
    used = min(max_folds or folds, folds)
    text = f"{folds}-fold cross-validation" + (f", **first {used} folds only**" if used < folds else "")
    return {"folds": [str(k) for k in range(used)], "cv": True, "text": text}


# --- running and storing -----------------------------------------------------------------------

def correctness(predicted, test, labels: list[str]) -> str:
    """Each test item's correctness as a string of 0/1 (compact in JSON)."""
    return "".join("1" if labels[p] == label else "0" for p, label in zip(predicted, test.labels))


def run_cnn(config: TrainConfig, train, dev, test, labels, tokenizer, dataset_name: str) -> dict:
    """Trains the CNN on `train` (early stopping on `dev`) and scores it on `test`."""
    from textcnn.training import train_on_splits

    result = train_on_splits(config, train, dev, test, labels, tokenizer, run_dir=None, resume=False,
                             verbose=0, dataset_name=dataset_name)
    result.classifier.predict_proba(test.texts[:8])  # traces the model once: not a cost per text
    started = time.perf_counter()
    predicted = result.classifier.predict_proba(test.texts).argmax(axis=1)
    seconds = time.perf_counter() - started
    return {"accuracy": result.report["accuracy"], "macro_f1": result.report["macro_f1"],
            "dev_accuracy": result.dev_accuracy, "train_seconds": result.train_seconds, "predict_seconds": seconds, "test_items": len(test),
            "epochs": len(result.history), "best_epoch": result.best_epoch,
            "correct": correctness(predicted, test, labels)}


def run_baseline_on(method: str, seed: int, train, dev, test, labels, tokenizer) -> dict:
    """Fits and scores one baseline on the same items as the CNN."""
    result = evaluate_baseline(method, train, dev, test, labels, tokenizer.tokenize, seed)
    return {"accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "train_seconds": result["train_seconds"],
            "predict_seconds": len(test) / result["predict_per_second"], "test_items": len(test),
            "params": result["params"], "correct": correctness(result["predicted"], test, labels)}


class Store:
    """The runs so far, in ``<output>.json``: ``runs`` keyed dataset/system/seed/fold, the
    fingerprint of each split's test items (``items``), and each dataset's protocol."""

    def __init__(self, path: Path):
        self.path = path
        data = json.loads(path.read_text()) if path.is_file() else {}
        self.runs: dict = data.get("runs", {})
        self.items: dict = data.get("items", {})
        self.protocols: dict = data.get("protocols", {})

    @staticmethod
    def key(*parts) -> str:
        return "/".join(map(str, parts))

    def check_items(self, dataset: str, seed: int, fold: str, test) -> None:
        """Stored runs of this split must have been scored on the same test items."""
        digest = hashlib.sha256(json.dumps([test.texts, test.labels]).encode()).hexdigest()[:16]
        key = self.key(dataset, seed, fold)
        if self.items.setdefault(key, digest) != digest:
            raise TextcnnError(f"The runs stored in {self.path} for {key} used other test items "
                               "(other data or split settings); give another --output")

    def save(self) -> None:
        data = {"runs": self.runs, "items": self.items, "protocols": self.protocols}
        atomic_write(self.path, lambda p: p.write_text(json.dumps(data, indent=1) + "\n"))


def benchmark_dataset(name: str, args, systems: dict, store: Store, publish) -> None:
    """Runs every system not yet stored on every seed and fold of dataset `name`; `publish()`
    after each run writes the store and the table."""
    from textcnn.data.configured import load_config_dataset, make_tokenizer

    configs = make_configs(systems, name)
    first = next(iter(configs.values()))
    dataset = load_config_dataset(first)
    tokenizer, labels = make_tokenizer(first, dataset), dataset.label_names
    store.protocols[name] = protocol_of(dataset, first, args.max_folds)
    for seed in args.seeds:
        for fold, train, dev, test in splits_of(dataset, first, seed, args.max_folds):
            store.check_items(name, seed, fold, test)
            jobs = [(system, partial(run_cnn, config.replace(seed=seed), train, dev, test, labels, tokenizer, name))
                    for system, config in configs.items()]
            jobs += [(method, partial(run_baseline_on, method, seed, train, dev, test, labels, tokenizer))
                     for method in BASELINES]
            for system, job in jobs:
                key = store.key(name, system, seed, fold)
                if key in store.runs:
                    continue
                print(f"accuracy_benchmark: {key}", file=sys.stderr, flush=True)
                store.runs[key] = job()
                print(f"accuracy_benchmark: {key}: accuracy {store.runs[key]['accuracy']:.4f}", file=sys.stderr,
                      flush=True)
                publish()


# --- the table ---------------------------------------------------------------------------------

def runs_by_seed(store: Store, dataset: str, system: str, seeds, folds) -> dict[int, dict[str, dict]]:
    """``{seed: {fold: run}}`` of the stored runs of one system (seeds with none left out)."""
    found = {}
    for seed in seeds:
        runs = {fold: store.runs.get(store.key(dataset, system, seed, fold)) for fold in folds}
        runs = {fold: run for fold, run in runs.items() if run is not None}
        if runs:
            found[seed] = runs
    return found


def seed_accuracy(runs: dict[str, dict]) -> float:
    return float(np.mean([run["accuracy"] for run in runs.values()]))


def significance(mine: dict[str, dict], theirs: dict[str, dict], cv: bool) -> str:
    """One seed of a system against the better baseline, on the folds both have run."""
    folds = sorted(set(mine) & set(theirs))
    if not folds:
        return "n/a"
    if cv and len(folds) >= 2:
        test = paired_t_test([mine[f]["accuracy"] for f in folds], [theirs[f]["accuracy"] for f in folds])
        return f"{100 * test['mean_difference']:+.1f} (t={test['t']:.2f}, p={test['p_value']:.3g}, {len(folds)} folds)"
    # A test split, or a partial cross-validation with one fold: McNemar on that fold's items.
    a, b = (np.array([c == "1" for c in runs[folds[0]]["correct"]]) for runs in (mine, theirs))
    test = mcnemar(a, b)
    where = f", McNemar on fold {folds[0]}'s items only" if cv else ""
    return f"{100 * (a.mean() - b.mean()):+.1f} ({test['a_only']} vs {test['b_only']}, p={test['p_value']:.3g}{where})"


def system_row(system: str, by_seed: dict, better: str | None, baseline_runs: dict, cv: bool, expected: int) -> str:
    """One table row: accuracy over seeds, worst seed, macro-F1, the paired tests, cost, runs."""
    per_seed = {seed: 100 * seed_accuracy(runs) for seed, runs in by_seed.items()}
    values = np.array(list(per_seed.values()))
    runs = [run for seed_runs in by_seed.values() for run in seed_runs.values()]
    worst_seed = min(per_seed, key=per_seed.get)
    spread = f"{values.std(ddof=1):.1f}" if len(values) > 1 else "n/a"
    if system == better:
        tests = "(the better baseline)"
    else:
        tests = "; ".join(f"seed {seed}: {significance(seed_runs, baseline_runs.get(seed, {}), cv)}"
                          for seed, seed_runs in by_seed.items())
    throughput = sum(r["test_items"] for r in runs) / max(sum(r["predict_seconds"] for r in runs), 1e-9)
    count = f"{len(runs)}/{expected}" + (" **partial**" if len(runs) < expected else "")
    return (f"| {system} | **{values.mean():.1f} ± {spread}** | {per_seed[worst_seed]:.1f} (seed {worst_seed}) | "
            f"{100 * np.mean([r['macro_f1'] for r in runs]):.1f} | {tests} | "
            f"{np.mean([r['train_seconds'] for r in runs]):.1f} | {throughput:,.0f} | {count} |")


def dataset_section(name: str, args, systems: dict, store: Store) -> list[str]:
    protocol = store.protocols.get(name)
    if protocol is None:
        return []
    folds, cv = protocol["folds"], protocol["cv"]
    found = {system: runs_by_seed(store, name, system, args.seeds, folds) for system in [*systems, *BASELINES]}
    found = {system: runs for system, runs in found.items() if runs}
    baselines = [m for m in BASELINES if m in found]
    better = max(baselines, key=lambda m: np.mean([seed_accuracy(r) for r in found[m].values()]), default=None)
    test_name = "paired t-test over the folds" if cv else "McNemar's exact test on the test items"
    lines = [f"## {name}: {protocol['text']}", "",
             f"| system | accuracy % (mean ± std over seeds) | worst seed | macro-F1 % | "
             f"vs {better or 'the better baseline'}: difference in points ({test_name}), per seed | "
             "train s per run | predict texts/s | runs |",
             "|---|---|---|---|---|---|---|---|"]
    expected = len(args.seeds) * len(folds)
    lines += [system_row(system, runs, better, found.get(better, {}), cv, expected) for system, runs in found.items()]
    return lines + [""]


def write_table(args, systems: dict, store: Store) -> str:
    data_dir = os.environ.get("TEXTCNN_DATA_DIR")
    command = (f"TEXTCNN_DATA_DIR={shlex.quote(data_dir)} " if data_dir else "") + shlex.join(
        ["python", "scripts/accuracy_benchmark.py", *sys.argv[1:]])
    lines = [
        "# Accuracy: the CNN against TF-IDF + LR and fastText on the same items", "",
        f"Command: `{command}`", "",
        "Accuracy and macro-F1 in %; for cross-validated datasets a seed's accuracy is the mean over its "
        "folds, then mean ± std over seeds. Each system is compared with the dataset's better baseline "
        "(higher mean accuracy) on the same items, per seed: for a test split McNemar's exact test "
        "(`A vs B`: items only this system / only the baseline gets right), for cross-validation a paired "
        "t-test over the same folds. Train time: the CNN's epoch loop; a baseline's vectorizing, fitting "
        "and choice of hyperparameters on the dev split (one thread). Predict: texts per second over the "
        "whole test split in one call (the CNN after one warm-up call). Rows marked partial miss runs.", "",
    ]
    for name in args.datasets:
        lines += dataset_section(name, args, systems, store)
    lines += [f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}."]
    text = "\n".join(lines) + "\n"
    atomic_write(Path(f"{args.output}.md"), lambda p: p.write_text(text))
    return text


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        from textcnn.cli import import_tensorflow_quietly

        systems = cnn_systems(args.preset, args.set)
        store = Store(Path(f"{args.output}.json"))
        import_tensorflow_quietly()

        def publish():
            store.save()
            write_table(args, systems, store)

        for name in args.datasets:
            benchmark_dataset(name, args, systems, store, publish)
        store.save()
        print(write_table(args, systems, store))
    except TextcnnError as error:
        print(f"accuracy_benchmark: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
