"""How many gunicorn workers, of which class: the prediction service at one concurrency under
several `workers x threads` layouts (optionally `:worker_class`), interleaved round by round so
that every layout sees the same machine (the rounds, not the layouts, absorb the noise of a shared
machine).

Each measurement starts a fresh gunicorn service (`load_benchmark.measure`, micro-batching on) and
drives `POST /classify` with `wrk`. Writes a Markdown table (mean ± std and every round's value)
and the raw numbers as JSON.

Usage (train the model first: `textcnn train --dataset mr --preset fast --output-dir runs/mr`):

    python -m scripts.worker_sizing --model runs/mr/model.textcnn --layouts 1x32 2x16 2x32 \
        --output benchmarks/service_workers
    python -m scripts.worker_sizing --model runs/mr/model.textcnn --layouts 2x32:gthread 2x32 \
        --ceiling --output benchmarks/service_worker_class

`--ceiling` also measures `GET /healthz` (the framework's own ceiling) in every run.

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


from scripts.load_benchmark import measure
from textcnn.metrics import mean_std
from scripts.service_load import mr_bodies, require_wrk


def layout(text: str) -> tuple[int, int, str | None]:
    """``WORKERSxTHREADS[:WORKER_CLASS]`` (no class: service/gunicorn.conf.py's)."""
    sizes, _, worker_class = text.partition(":")
    workers, _, threads = sizes.partition("x")
    try:
        return int(workers), int(threads), worker_class or None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a layout is WORKERSxTHREADS[:WORKER_CLASS], e.g. 2x16 or 2x32:gthread; got {text!r}") from None


def layout_name(workers: int, threads: int, worker_class: str | None) -> str:
    return f"{workers}x{threads}" + (f" {worker_class}" if worker_class else "")


def markdown(report: dict) -> str:
    lines = ["# Prediction service: gunicorn workers x threads (MR CNN-rand, preset `fast`)", "",
             f"Command: `{report['command']}`", "",
             f"Machine: {report['machine']}. wrk, 1 thread, concurrency {report['concurrency']}, one MR sentence "
             f"per request, {report['seconds']} s per measurement; micro-batching on (max_batch_size 64, "
             "max_batch_wait_ms 2); TensorFlow intra-op threads = cores / workers. The layouts take turns in "
             f"each of {report['rounds']} rounds.", "",
             "Worker class: the config's (`textcnn_service.worker.ServiceWorker`) unless the layout names one.", "",
             "| workers x threads | requests/s | p50 ms | p99 ms | requests/s per round |"
             + (" GET /healthz requests/s |" if report.get("ceiling") else ""),
             "|---|---:|---:|---:|---|" + ("---:|" if report.get("ceiling") else "")]
    for name, runs in report["layouts"].items():
        lines.append(f"| {name} | {mean_std([r['throughput'] for r in runs])} | "
                     f"{mean_std([r['p50_ms'] for r in runs], 1)} | {mean_std([r['p99_ms'] for r in runs], 1)} | "
                     + ", ".join(f"{r['throughput']:.0f}" for r in runs) + " |"
                     + (f" {mean_std([r['healthz'] for r in runs])} |" if report.get("ceiling") else ""))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a text model file (model.textcnn)")
    parser.add_argument("--output", type=Path, help="write OUTPUT.md and OUTPUT.json")
    parser.add_argument("--layouts", type=layout, nargs="+", default=[(1, 32, None), (2, 16, None), (2, 32, None)],
                        help="WORKERSxTHREADS[:WORKER_CLASS], e.g. 1x32 2x16 2x32:gthread")
    parser.add_argument("--ceiling", action="store_true", help="also measure GET /healthz in each run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    require_wrk()
    _, bodies = mr_bodies(seed=0)
    results: dict[str, list[dict]] = {layout_name(*chosen): [] for chosen in args.layouts}
    for round_ in range(1, args.rounds + 1):
        for workers, threads, worker_class in args.layouts:
            name = layout_name(workers, threads, worker_class)
            print(f"round {round_}: {name}", flush=True)
            settings = {"worker_class": worker_class} if worker_class else {}
            rows, ceiling = measure(args.model, bodies, [args.concurrency], args.seconds, ceiling=args.ceiling,
                                    workers=workers, threads=threads, max_batch_size=64, max_batch_wait_ms=2.0,
                                    **settings)
            results[name].append({**rows[0], **({"healthz": ceiling["throughput"]} if ceiling else {})})
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "concurrency": args.concurrency, "seconds": args.seconds, "rounds": args.rounds, "ceiling": args.ceiling,
              "layouts": results}
    for name, runs in results.items():
        print(f"{name}: {np.mean([r['throughput'] for r in runs]):.0f} requests/s")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        args.output.with_suffix(".md").write_text(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
