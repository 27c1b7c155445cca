"""Where seed-to-seed spread comes from: per seed, test accuracy on the items whose texts hold a
word never seen in training ("unseen") and on the others, and how evenly the model spreads its
predictions compared with the truth. Compares configurations on the same splits.

    python -m scripts.seed_variance --datasets sst2 trec --seeds 0 1 2 3 4 \
        --system fast --system "fast unknown_word_rate=0.25" --output benchmarks/seed_variance

Runs are stored as they finish in <output>.json (a rerun continues); <output>.md is the table.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from textcnn.config import TrainConfig
from textcnn.data.configured import load_config_dataset, make_tokenizer, split_for_training
from textcnn.metrics import mean_std
from textcnn.training.experiments import RunStore, parse_overrides


def run_one(system: str, dataset_name: str, seed: int) -> dict:
    from textcnn.training import train_on_splits

    preset, *sets = system.split()
    config = TrainConfig.from_preset(preset, dataset=dataset_name, seed=seed, tensorboard=False,
                                     **parse_overrides(sets))
    dataset = load_config_dataset(config)
    train, dev, test, _ = split_for_training(config, dataset)
    tokenizer = make_tokenizer(config, dataset)
    started = time.perf_counter()
    result = train_on_splits(config, train, dev, test, dataset.label_names, tokenizer, verbose=0,
                             dataset_name=dataset_name)
    clf = result.classifier
    index = {label: i for i, label in enumerate(clf.labels)}
    truth = np.array([index[label] for label in test.labels])
    predicted = clf.predict_proba(test.texts).argmax(1)
    unseen = np.array([any(t not in clf.vocabulary for t in tokenizer.tokenize(text)) for text in test.texts])
    correct = predicted == truth
    return {
        "accuracy": float(correct.mean()),
        "accuracy_unseen": float(correct[unseen].mean()) if unseen.any() else None,
        "accuracy_seen": float(correct[~unseen].mean()) if (~unseen).any() else None,
        "unseen_share": float(unseen.mean()),
        "predicted_share": np.bincount(predicted, minlength=len(clf.labels)).tolist(),
        "true_share": np.bincount(truth, minlength=len(clf.labels)).tolist(),
        "first_dev_accuracy": result.history[0]["dev_accuracy"],
        "dev_accuracy": result.dev_accuracy, "best_epoch": result.best_epoch,
        "seconds": time.perf_counter() - started,
    }


def table(store: RunStore, systems, datasets, seeds) -> str:
    lines = ["| dataset | system | dev accuracy % | test accuracy % | worst seed | on unseen-word items % | on the others % "
             "| share of items with unseen words | epoch-1 dev % | runs |", "|---|---|---|---|---|---|---|---|---|---|"]
    for dataset in datasets:
        for system in systems:
            runs = [store.get(f"{dataset}|{system}|{seed}") for seed in seeds]
            runs = [r for r in runs if r]
            if not runs:
                continue
            accs = [r["accuracy"] for r in runs]
            lines.append(
                f"| {dataset} | `{system}` | {mean_std([r['dev_accuracy'] for r in runs], 1, 100)} | {mean_std(accs, 1, 100)} | {100 * min(accs):.1f} | "
                f"{mean_std([r['accuracy_unseen'] for r in runs], 1, 100)} | "
                f"{mean_std([r['accuracy_seen'] for r in runs], 1, 100)} | {100 * runs[0]['unseen_share']:.0f}% | "
                f"{mean_std([r['first_dev_accuracy'] for r in runs], 1, 100)} | {len(runs)}/{len(seeds)} |")
    return "\n".join(lines)


def write_report(store: RunStore, systems, args) -> None:
    Path(args.output).with_suffix(".md").write_text(
        f"# Seed-to-seed spread and unseen words\n\n`{store.meta['command']}`\n\n"
        "Each configuration on the same splits, seed by seed; dev is what a choice may use, test is "
        "reported. \"Unseen-word items\": test texts holding a word the training split does not.\n\n"
        + table(store, systems, args.datasets, args.seeds) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["sst2", "trec"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--system", action="append", default=None,
                        help='a preset and FIELD=VALUE overrides, e.g. "fast unknown_word_rate=0.25"')
    parser.add_argument("--output", default="benchmarks/seed_variance")
    args = parser.parse_args(argv)
    systems = args.system or ["fast", "fast unknown_word_rate=0.25"]
    store = RunStore(Path(args.output).with_suffix(".json"))
    store.meta["command"] = "python -m scripts.seed_variance " + shlex.join(sys.argv[1:])
    for dataset in args.datasets:
        for seed in args.seeds:
            for system in systems:  # systems take turns, seed by seed
                key = f"{dataset}|{system}|{seed}"
                if key in store:
                    continue
                print(f"seed_variance: {key}", file=sys.stderr, flush=True)
                store.record(key, run_one(system, dataset, seed))
                write_report(store, systems, args)
    write_report(store, systems, args)
    print(table(store, systems, args.datasets, args.seeds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
