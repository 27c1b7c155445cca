"""How many gunicorn workers: the prediction service at one concurrency under several
`workers x threads` layouts, interleaved round by round so that every layout sees the same
machine (the rounds, not the layouts, absorb the noise of a shared machine).

Each measurement starts a fresh gunicorn service (`load_benchmark.measure`, micro-batching on) and
drives `POST /classify` with `wrk`. Writes a Markdown table (mean ± std and every round's value)
and the raw numbers as JSON.

Usage (train the model first: `textcnn train --dataset mr --preset fast --output-dir runs/mr`):

    python scripts/worker_sizing.py --model runs/mr/model.textcnn --layouts 1x32 2x16 2x32 \
        --output benchmarks/service_workers

Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_benchmark import _mean_std, measure  # noqa: E402
from service_load import mr_bodies, require_wrk  # noqa: E402


def layout(text: str) -> tuple[int, int]:
    workers, _, threads = text.partition("x")
    try:
        return int(workers), int(threads)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a layout is WORKERSxTHREADS, e.g. 2x16; got {text!r}") from None


def markdown(report: dict) -> str:
    lines = ["# Prediction service: gunicorn workers x threads (MR CNN-rand, preset `fast`)", "",
             f"Command: `{report['command']}`", "",
             f"Machine: {report['machine']}. wrk, 1 thread, concurrency {report['concurrency']}, one MR sentence "
             f"per request, {report['seconds']} s per measurement; micro-batching on (max_batch_size 64, "
             "max_batch_wait_ms 2); TensorFlow intra-op threads = cores / workers. The layouts take turns in "
             f"each of {report['rounds']} rounds.", "",
             "| workers x threads | requests/s | p50 ms | p99 ms | requests/s per round |",
             "|---|---:|---:|---:|---|"]
    for name, runs in report["layouts"].items():
        lines.append(f"| {name} | {_mean_std([r['throughput'] for r in runs])} | "
                     f"{_mean_std([r['p50_ms'] for r in runs], 1)} | {_mean_std([r['p99_ms'] for r in runs], 1)} | "
                     + ", ".join(f"{r['throughput']:.0f}" for r in runs) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a text model file (model.textcnn)")
    parser.add_argument("--output", type=Path, help="write OUTPUT.md and OUTPUT.json")
    parser.add_argument("--layouts", type=layout, nargs="+", default=[(1, 32), (2, 16), (2, 32)],
                        help="WORKERSxTHREADS, e.g. 1x32 2x16")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    require_wrk()
    _, bodies = mr_bodies(seed=0)
    results: dict[str, list[dict]] = {f"{w}x{t}": [] for w, t in args.layouts}
    for round_ in range(1, args.rounds + 1):
        for workers, threads in args.layouts:
            print(f"round {round_}: {workers} worker(s) x {threads} threads", flush=True)
            rows, _ = measure(args.model, bodies, [args.concurrency], args.seconds, workers=workers,
                              threads=threads, max_batch_size=64, max_batch_wait_ms=2.0)
            results[f"{workers}x{threads}"].append(rows[0])
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "concurrency": args.concurrency, "seconds": args.seconds, "rounds": args.rounds, "layouts": results}
    for name, runs in results.items():
        print(f"{name}: {np.mean([r['throughput'] for r in runs]):.0f} requests/s")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        args.output.with_suffix(".md").write_text(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
