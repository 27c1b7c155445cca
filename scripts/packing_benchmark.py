"""Packed against padded inference: the model's cost per text at several batch sizes.

`TextClassifier.predict_proba_encoded` runs a batch of several texts packed (one sequence, no
padding: `textcnn/packing.py`) when the model allows it, else padded to the longest text of
the batch. This measures both on the same random batches of MR sentences, the two paths taking
turns in every round: CPU milliseconds per text (process time, TensorFlow on 1 intra-op thread, so
the figure is the work done, not the wall time), and the largest difference between their
probabilities.

Usage (train the model first: `textcnn train --dataset mr --preset fast --output-dir runs/mr`):

    python -m scripts.packing_benchmark --model runs/mr/model.textcnn --output benchmarks/packing
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np


from textcnn.metrics import mean_std
from scripts.service_load import mr_bodies


def cpu_ms_per_text(classifier, batches: list[list], packing: bool) -> float:
    classifier.packing = packing
    classifier.predict_proba_encoded(batches[0], batch_size=len(batches[0]))  # traced already: warm
    texts, started = 0, time.process_time()
    for batch in batches:
        classifier.predict_proba_encoded(batch, batch_size=len(batch))
        texts += len(batch)
    return (time.process_time() - started) / texts * 1e3


def markdown(report: dict) -> str:
    lines = ["# Packed against padded inference (MR CNN-rand, preset `fast`)", "",
             f"Command: `{report['command']}`", "",
             f"Machine: {report['machine']}. TensorFlow on 1 intra-op and 1 inter-op thread; CPU time "
             f"(process) per text, mean ± std over {report['rounds']} rounds, the two paths taking turns on the "
             f"same random batches of MR sentences ({report['texts_per_size']} texts per batch size and round). "
             "A batch of one text always runs padded (nothing to save), so size 1 shows the same path twice.", "",
             "| texts per call | padded ms/text | packed ms/text | padded / packed |",
             "|---:|---:|---:|---:|"]
    for row in report["rows"]:
        lines.append(f"| {row['batch_size']} | {mean_std(row['padded'], 3)} | {mean_std(row['packed'], 3)} | "
                     f"{np.mean(row['padded']) / np.mean(row['packed']):.2f}x |")
    lines += ["", f"Largest difference between the two paths' probabilities over {report['compared']} texts: "
              f"{report['max_abs_difference']:.2e}."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a text model file (model.textcnn)")
    parser.add_argument("--output", type=Path, help="write OUTPUT.md and OUTPUT.json")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 2, 8, 16, 32, 64, 256])
    parser.add_argument("--texts", type=int, default=1024, help="texts per batch size and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from textcnn.inference.text import TextClassifier

    classifier = TextClassifier.load(args.model)
    texts, _ = mr_bodies(seed=0)
    sequences = classifier.encode(texts)
    rng = np.random.default_rng(0)
    rows = [{"batch_size": size, "padded": [], "packed": []} for size in args.batch_sizes]
    for round_ in range(1, args.rounds + 1):
        for row in rows:
            size = row["batch_size"]
            picks = rng.choice(len(sequences), size=max(size, args.texts - args.texts % size), replace=False)
            batches = [[sequences[i] for i in picks[start:start + size]] for start in range(0, len(picks), size)]
            order = ("padded", "packed") if round_ % 2 else ("packed", "padded")
            for path in order:
                row[path].append(cpu_ms_per_text(classifier, batches, packing=path == "packed"))
            print(f"round {round_}, {size:4d} texts per call: padded {row['padded'][-1]:.3f}, "
                  f"packed {row['packed'][-1]:.3f} ms/text", flush=True)
    compared = sequences[:2000]
    classifier.packing = True
    packed = classifier.predict_proba_encoded(compared, batch_size=64)
    classifier.packing = False
    padded = classifier.predict_proba_encoded(compared, batch_size=64)
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "rounds": args.rounds, "texts_per_size": args.texts, "rows": rows, "compared": len(compared),
              "max_abs_difference": float(np.abs(packed - padded).max())}
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        args.output.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
