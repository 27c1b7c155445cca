#!/usr/bin/env python
"""Reproduce Kim (2014) Table 2 with textcnn: MR by 10-fold CV, TREC and SST-2 on their test sets,
each over several seeds, and write a markdown table beside the paper's figures.

Usage (from the repository root, with TEXTCNN_DATA_DIR pointing at the datasets, or online):

    python scripts/reproduce_kim.py --variant rand --seeds 0 1 2 --out benchmarks/kim2014_rand
    python scripts/reproduce_kim.py --variant rand static non-static multichannel \
        --vectors glove-6b-50d --preset fast --out benchmarks/glove50_variants

Every finished run is stored in ``<out>.json`` at once; running the same command again skips
finished runs, so an interrupted reproduction continues where it stopped. Several variants share
one table (a row per variant and dataset).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

KIM = {  # Kim (2014) Table 2, accuracy %; shared/REFERENCE.md
    "rand": {"mr": 76.1, "sst2": 82.7, "trec": 91.2},
    "static": {"mr": 81.0, "sst2": 86.8, "trec": 92.8},
    "non-static": {"mr": 81.5, "sst2": 87.2, "trec": 93.6},
    "multichannel": {"mr": 81.1, "sst2": 88.1, "trec": 92.2},
}
HARVARD = {  # the HarvardNLP replication (Torch)
    "rand": {"mr": 75.9, "sst2": 83.5, "trec": 88.2},
    "static": {"mr": 80.5, "sst2": 85.6, "trec": 91.8},
    "non-static": {"mr": 81.3, "sst2": 87.0, "trec": 92.8},
    "multichannel": {"mr": 80.8, "sst2": 87.1, "trec": 91.8},
}
PEERS = {  # measured on this project's machines (REFERENCE.md): fastText bigrams, TF-IDF + LR
    "mr": ("77.1 ± 1.4", "77.9 ± 1.2"), "trec": ("89.5 ± 0.5", "88.4"), "sst2": ("81.2 ± 0.2", "81.3"),
}
CV_FOLDS = 10  # MR is cross-validated (cross_validate's default)
PROTOCOL = {"mr": "10-fold CV", "trec": "test (500)", "sst2": "test (1,821), sentences only"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", nargs="+", default=["rand"], help="one or more variants")
    parser.add_argument("--vectors", default=None)
    parser.add_argument("--preset", default="kim2014")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=["mr", "trec", "sst2"])
    parser.add_argument("--out", default="benchmarks/kim2014_rand")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="extra TrainConfig overrides, e.g. feature_maps=200")
    parser.add_argument("--report-only", action="store_true",
                        help="write the table from the runs stored so far, train nothing")
    args = parser.parse_args()

    from textcnn.config import TrainConfig
    from textcnn.training import cross_validate, fit
    from textcnn.training.experiments import parse_overrides

    overrides = parse_overrides(args.set)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    store_path = out.with_suffix(".json")
    store = json.loads(store_path.read_text()) if store_path.is_file() else {}
    if store and "variants" not in store:  # one variant's file, as earlier versions wrote it
        store = {"variants": {args.variant[0]: store}}
    store.setdefault("variants", {})

    def persist():
        store_path.write_text(json.dumps(store, indent=2) + "\n")

    for variant in [] if args.report_only else args.variant:
        runs_dir = Path(f"{out}.runs") / (variant if len(args.variant) > 1 else "")
        for name in args.datasets:
            config = TrainConfig.from_preset(args.preset, dataset=name, variant=variant,
                                             vectors=args.vectors if variant != "rand" else None,
                                             output_dir=str(runs_dir / name), tensorboard=False, **overrides)
            entry = store["variants"].setdefault(variant, {}).setdefault(name, {"runs": []})
            if name == "mr":
                started = time.perf_counter()
                results = cross_validate(config, seeds=tuple(args.seeds), save=True, resume=True)
                entry.update(runs=results["runs"], wall_seconds=entry.get("wall_seconds", 0)
                             + time.perf_counter() - started)
                persist()
                continue
            for seed in args.seeds:
                if any(run["seed"] == seed for run in entry["runs"]):
                    continue
                print(f"reproduce: {variant} {name} seed {seed}", file=sys.stderr, flush=True)
                started = time.perf_counter()
                result = fit(config.replace(seed=seed), save=False, verbose=1)
                entry["runs"].append({
                    "seed": seed, "accuracy": result.report["accuracy"], "macro_f1": result.report["macro_f1"],
                    "best_epoch": result.best_epoch, "epochs": len(result.history),
                    "train_seconds": result.train_seconds, "train_examples": result.train_examples,
                })
                entry["wall_seconds"] = entry.get("wall_seconds", 0) + time.perf_counter() - started
                persist()
    for variant in args.variant:
        runs_dir = Path(f"{out}.runs") / (variant if len(args.variant) > 1 else "")
        cv_file = runs_dir / "mr" / "cv_results.json"
        entry = store["variants"].setdefault(variant, {})
        if "mr" in args.datasets and cv_file.is_file() and not entry.get("mr", {}).get("runs"):
            runs = [run for run in json.loads(cv_file.read_text())["runs"] if run["seed"] in args.seeds]
            entry["mr"] = {"runs": runs, "partial": len(runs) < CV_FOLDS * len(args.seeds)}
    write_table(out, store, args)
    return 0


def write_table(out: Path, store: dict, args) -> None:
    variants = " / ".join(args.variant)
    changes = f" with `{' '.join(args.set)}`" if args.set else ""
    vectors = f", vectors `{args.vectors}`" if args.vectors and args.variant != ["rand"] else ""
    lines = [
        f"# Kim (2014) reproduction: CNN-{variants}, preset `{args.preset}`{changes}{vectors}",
        "",
        "Accuracy %, mean ± std over seeds (for MR: the mean of each seed's 10-fold CV, then mean ± std",
        "over seeds; min-max in brackets). Kim and HarvardNLP figures (300-d word2vec for the pretrained",
        "variants) from `shared/REFERENCE.md`.",
        "",
        f"| variant | dataset | protocol | textcnn (seeds {', '.join(map(str, args.seeds))}) | Kim 2014 | HarvardNLP | "
        "fastText bigrams | TF-IDF + LR | runs | epochs run (mean) | train time | train sentences/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes: dict[str, list[str]] = {}  # where runs made by another command came from -> which rows
    for name in args.datasets:
        for variant in sorted(args.variant, key=lambda v: list(KIM).index(v) if v in KIM else len(KIM)):
            entry = store["variants"].get(variant, {}).get(name, {})
            runs = entry.get("runs", [])
            if not runs:
                continue
            by_seed = {}
            for run in runs:
                by_seed.setdefault(run["seed"], []).append(run["accuracy"] * 100)
            per_seed = np.array([np.mean(v) for v in by_seed.values()])
            std_text = f"{per_seed.std(ddof=1):.1f}" if len(per_seed) > 1 else "n/a"  # one seed: no spread
            seconds = sum(r["train_seconds"] for r in runs)
            sentences = sum(r["train_examples"] * r["epochs"] for r in runs)
            protocol = PROTOCOL.get(name, "")
            if entry.get("partial"):
                protocol += f" (**incomplete: {len(runs)} of {CV_FOLDS * len(args.seeds)} folds**)"
            if entry.get("source"):
                notes.setdefault(entry["source"], []).append(f"{variant} / {name}")
            lines.append(
                f"| {variant} | {name} | {protocol} | **{per_seed.mean():.1f} ± {std_text}** "
                f"({per_seed.min():.1f}-{per_seed.max():.1f}) | {KIM.get(variant, {}).get(name, '')} | "
                f"{HARVARD.get(variant, {}).get(name, '')} | {PEERS.get(name, ('', ''))[0]} | "
                f"{PEERS.get(name, ('', ''))[1]} | {len(runs)} | {np.mean([r['epochs'] for r in runs]):.1f} | "
                f"{seconds / 60:.1f} min | {sentences / max(seconds, 1e-9):.0f} |"
            )
    if notes:
        lines += ["", "Runs made by another command:", "",
                  *(f"- {', '.join(rows)}: {source}" for source, rows in notes.items())]
    command = "python scripts/reproduce_kim.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:] if a != "--report-only")
    wall = sum(store["variants"].get(variant, {}).get(name, {}).get("wall_seconds", 0)
               for variant in args.variant for name in args.datasets)
    lines += [
        "",
        f"Wall time of the runs in this table (loading, training, evaluation; summed over the commands that made them): {wall / 60:.1f} min.",
        "",
        f"Command: `TEXTCNN_DATA_DIR=../shared/data {command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; "
        "train time is the sum of the epoch loops (dev evaluation included, data loading excluded).",
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
