#!/usr/bin/env python
"""Reproduce the deeplearning.net LeNet tutorial on MNIST (50,000 / 10,000 / 10,000) with textcnn,
over several seeds, and write a table beside the tutorial's 0.91% validation / 0.92% test error
in 380 minutes (Core i7-2600K CPU).

Usage (from the repository root, with TEXTCNN_DATA_DIR pointing at the datasets, or online):

    python scripts/reproduce_lenet.py --seeds 0 1 2 --out benchmarks/lenet_tutorial
    python scripts/reproduce_lenet.py --arch lenet5 --out benchmarks/lenet5
    python scripts/reproduce_lenet.py --arch resnet --out benchmarks/resnet_mnist   # preset image-modern

Each seed trains into ``runs/<out's name>/seed-<N>/`` (``--runs-dir``; checkpointed every epoch,
never committed) and is stored in
``<out>.json`` when it finishes; running the same command again skips finished seeds and resumes
an interrupted one from its last checkpoint. The script only drives ``textcnn.training.fit``.
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

from textcnn.metrics import mean_std
from textcnn.training.experiments import parse_overrides

TUTORIAL = {"validation_error": 0.91, "test_error": 0.92, "minutes": 380,
            "machine": "Core i7-2600K CPU (2011), Theano"}
GOAL = {"lenet-tutorial": (0.92, 15), "lenet5": (1.0, None)}  # test error %, training minutes
MODERN_GOAL = (0.6, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="lenet-tutorial",
                        help="lenet-tutorial, lenet5, vgg, resnet or inception")
    parser.add_argument("--preset", default=None,
                        help="default: the preset named after the architecture (lenet-tutorial, lenet5), else image-modern")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--split", default="classic")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    parser.add_argument("--out", default=None,
                        help="default: benchmarks/lenet_tutorial for lenet-tutorial on MNIST, else benchmarks/<arch>_<dataset>")
    parser.add_argument("--runs-dir", default=None, help="where the seeds' run directories go (default: runs/<out's name>)")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="extra TrainConfig overrides, e.g. learning_rate=0.05 augment=shift")
    parser.add_argument("--report-only", action="store_true",
                        help="write the table from the runs stored so far, train nothing")
    args = parser.parse_args()

    from textcnn.config import TrainConfig
    from textcnn.training import fit

    preset = args.preset or {"lenet-tutorial": "lenet-tutorial", "lenet5": "lenet5"}.get(args.arch, "image-modern")
    default_out = ("benchmarks/lenet_tutorial" if (args.arch, args.dataset) == ("lenet-tutorial", "mnist")
                   else f"benchmarks/{args.arch.replace('-', '_')}_{args.dataset}")
    out = Path(args.out or default_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    store_path = out.with_suffix(".json")
    store = json.loads(store_path.read_text()) if store_path.is_file() else {"runs": []}
    overrides = parse_overrides(args.set)
    if args.epochs is not None:
        overrides["epochs"] = args.epochs

    for seed in [] if args.report_only else args.seeds:
        if any(run["seed"] == seed for run in store["runs"]):
            continue
        run_dir = Path(args.runs_dir or Path("runs") / out.name) / f"seed-{seed}"
        config = TrainConfig.from_preset(preset, task="image", dataset=args.dataset, arch=args.arch,
                                         split=args.split, seed=seed, output_dir=str(run_dir),
                                         tensorboard=False, **overrides)
        resume = (run_dir / "checkpoints" / "LATEST").is_file()
        print(f"reproduce: {args.arch} on {args.dataset}, seed {seed}{' (resuming)' if resume else ''}",
              file=sys.stderr, flush=True)
        started = time.perf_counter()
        result = fit(config, resume=resume, verbose=1)
        store["config"] = result.classifier.manifest["config"]
        store["runs"].append({
            "seed": seed,
            "validation_error": 100 * (1 - result.dev_accuracy),
            "test_error": 100 * (1 - result.report["accuracy"]),
            "best_epoch": result.best_epoch, "epochs": len(result.history),
            "train_seconds": result.train_seconds,
            "wall_seconds": time.perf_counter() - started,
            "parameters": int(result.classifier.model.count_params()),
        })
        store_path.write_text(json.dumps(store, indent=2) + "\n")
    write_table(out, store, args, preset)
    return 0


def write_table(out: Path, store: dict, args, preset: str) -> None:
    runs = sorted(store["runs"], key=lambda r: r["seed"])
    config = store.get("config", {})
    lines = [
        f"# {args.arch} on {args.dataset} ({args.split} split), preset `{preset}`",
        "",
        f"SGD/Adam settings as run: optimizer {config.get('optimizer')}, learning rate {config.get('learning_rate')}, "
        f"batch {config.get('batch_size')}, at most {config.get('epochs')} epochs, patience {config.get('patience')}, "
        f"augment {config.get('augment')}. The epoch best on the validation split is kept.",
        "",
        "| seed | validation error % | test error % | best epoch | epochs run | train time | wall time |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(f"| {run['seed']} | {run['validation_error']:.2f} | {run['test_error']:.2f} | {run['best_epoch']} | "
                     f"{run['epochs']} | {run['train_seconds'] / 60:.1f} min | {run['wall_seconds'] / 60:.1f} min |")
    if runs:
        lines.append(f"| **mean ± std** | **{mean_std([r['validation_error'] for r in runs])}** | "
                     f"**{mean_std([r['test_error'] for r in runs])}** | | | "
                     f"{mean_std([r['train_seconds'] / 60 for r in runs])} min | "
                     f"{mean_std([r['wall_seconds'] / 60 for r in runs])} min |")
    lines += [
        f"| deeplearning.net tutorial | {TUTORIAL['validation_error']} | {TUTORIAL['test_error']} | | | "
        f"{TUTORIAL['minutes']} min | ({TUTORIAL['machine']}) |",
        "",
    ]
    goal_error, goal_minutes = GOAL.get(args.arch, MODERN_GOAL)
    if runs:
        mean_test = float(np.mean([r["test_error"] for r in runs]))
        mean_minutes = float(np.mean([r["train_seconds"] for r in runs])) / 60
        met = mean_test <= goal_error and (goal_minutes is None or mean_minutes < goal_minutes)
        goal = f"test error at most {goal_error}%" + (f" in under {goal_minutes} min of training" if goal_minutes else "")
        lines += [f"Goal: {goal}: **{'met' if met else 'not met'}** (mean {mean_test:.2f}%, {mean_minutes:.1f} min).", ""]
    if runs and "parameters" in runs[0]:
        lines += [f"Parameters: {runs[0]['parameters']:,}.", ""]
    command = "python scripts/reproduce_lenet.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:] if a != "--report-only")
    lines += [
        f"Command: `TEXTCNN_DATA_DIR=../shared/data {command}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; "
        "train time is the sum of the epoch loops (validation included, data loading excluded); wall time "
        "includes loading MNIST and the test evaluation.",
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
