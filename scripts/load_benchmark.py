"""Load benchmark of the prediction service under gunicorn, driven by `wrk`.

In one run: (1) the model's offline batched throughput (no HTTP: `TextClassifier.predict_proba` on
batches of `--max-batch-size` MR sentences); (2) the service with micro-batching at concurrency 1,
8, 32 and 128; (3) the same service with batching off (`max_batch_size=1`: one traced model call
per request). Each request is `POST /classify {"text": <one MR sentence>}`. Writes a Markdown table
and the raw numbers as JSON.

Usage (train the model first: `textcnn train --dataset mr --preset fast --output-dir runs/mr`):

    python scripts/load_benchmark.py --model runs/mr/model.textcnn --output benchmarks/service_load

Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service_load import Service, add_service_arguments, mr_bodies, require_wrk, run_wrk  # noqa: E402


def offline_throughput(model: Path, texts: list[str], batch_size: int, seconds: float) -> dict:
    """Texts per second of `predict_proba` in batches of `batch_size`, tokenising included."""
    from textcnn.classifier import TextClassifier

    classifier = TextClassifier.load(model)
    classifier.predict_proba(texts[:batch_size], batch_size=batch_size)  # trace
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for start in range(0, len(texts), batch_size):
            classifier.predict_proba(texts[start: start + batch_size], batch_size=batch_size)
            done += len(texts[start: start + batch_size])
    return {"texts": done, "seconds": time.perf_counter() - started,
            "throughput": done / (time.perf_counter() - started), "batch_size": batch_size}


def measure(model: Path, bodies: Path, concurrencies: list[int], seconds: float, **settings) -> list[dict]:
    service = Service(model, **settings)
    try:
        run_wrk(service.url, bodies, 8, 3)  # warm-up: every worker traced its shapes
        rows = []
        for connections in concurrencies:
            load = os.getloadavg()[0]
            result = run_wrk(service.url, bodies, connections, seconds)
            rows.append({"concurrency": connections, "load_before": load, **result})
            print(f"  c={connections:<4} {result['throughput']:8.1f} req/s  p50 {result['p50_ms']:.2f}  "
                  f"p95 {result['p95_ms']:.2f}  p99 {result['p99_ms']:.2f} ms  errors {result['errors']}  "
                  f"(load {load:.1f})", flush=True)
        return rows
    finally:
        service.stop()


def markdown(report: dict) -> str:
    s = report["settings"]
    lines = [
        "# Prediction service under load (MR CNN-rand, preset `fast`)", "",
        f"Command: `{report['command']}`", "",
        f"Machine: {report['machine']}. **Shared with other work while measured** (1-minute load average before "
        "each run in the last column; 2 cores), so the figures are indicative.", "",
        f"Service: gunicorn, {s['workers']} worker(s) x {s['threads']} threads (gthread), micro-batching "
        f"max_batch_size={s['max_batch_size']}, max_batch_wait_ms={s['max_batch_wait_ms']}; TensorFlow intra-op "
        "threads = cores / workers. Client: wrk, 1 thread, one MR sentence per request "
        f"(`POST /classify {{\"text\": ...}}`), {report['seconds']} s per concurrency.", "",
        f"Offline batched throughput (no HTTP, `predict_proba` in batches of {report['offline']['batch_size']}, "
        f"tokenising included): **{report['offline']['throughput']:.0f} texts/s**.", "",
        "| service | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, rows in (("batching on", report["batched"]), ("batching off", report["unbatched"])):
        for row in rows:
            lines.append(f"| {label} | {row['concurrency']} | {row['throughput']:.0f} | {row['p50_ms']:.2f} | "
                         f"{row['p95_ms']:.2f} | {row['p99_ms']:.2f} | {row['errors']} | {row['load_before']:.1f} |")
    goals = report["goals"]
    lines += ["", "Goals (issue 5):", "",
              f"- concurrency 32, batching on / batching off: {goals['speedup_vs_unbatched']:.2f}x (goal >= 2x): "
              f"{'met' if goals['speedup_vs_unbatched'] >= 2 else 'NOT met'}",
              f"- concurrency 32, batching on / offline batched: {goals['fraction_of_offline']:.0%} (goal >= 50%): "
              f"{'met' if goals['fraction_of_offline'] >= 0.5 else 'NOT met'}",
              f"- concurrency 1, p99: {goals['p99_ms_at_1']:.2f} ms (goal < 15 ms): "
              f"{'met' if goals['p99_ms_at_1'] < 15 else 'NOT met'}", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--max-batch-size", type=int, default=64)
    parser.add_argument("--max-batch-wait-ms", type=float, default=2.0)
    parser.add_argument("--offline-seconds", type=float, default=10)
    args = parser.parse_args(argv)
    require_wrk()
    texts, bodies = mr_bodies(seed=0)

    print("offline batched throughput ...", flush=True)
    offline = offline_throughput(args.model, texts, args.max_batch_size, args.offline_seconds)
    print(f"  {offline['throughput']:.0f} texts/s", flush=True)
    settings = {"workers": args.workers, "threads": args.threads, "max_batch_wait_ms": args.max_batch_wait_ms}
    print("service, batching on ...", flush=True)
    batched = measure(args.model, bodies, args.concurrency, args.seconds, max_batch_size=args.max_batch_size,
                      **settings)
    print("service, batching off ...", flush=True)
    unbatched = measure(args.model, bodies, args.concurrency, args.seconds, max_batch_size=1, **settings)

    at = {row["concurrency"]: row for row in batched}
    off = {row["concurrency"]: row for row in unbatched}
    goals = {}
    if 32 in at:
        goals["speedup_vs_unbatched"] = at[32]["throughput"] / off[32]["throughput"]
        goals["fraction_of_offline"] = at[32]["throughput"] / offline["throughput"]
    if 1 in at:
        goals["p99_ms_at_1"] = at[1]["p99_ms"]
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "seconds": args.seconds, "settings": {**settings, "max_batch_size": args.max_batch_size},
              "offline": offline, "batched": batched, "unbatched": unbatched, "goals": goals}
    print(json.dumps(goals))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        if len(goals) == 3:
            args.output.with_suffix(".md").write_text(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
