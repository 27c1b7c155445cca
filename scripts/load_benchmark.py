"""Load benchmark of the prediction service under gunicorn, driven by `wrk`.

In one run: (1) the service with micro-batching at concurrency 1, 8, 32 and 128; (2) the same
service with batching off (`max_batch_size=1`: one traced model call per request); (3) the model's
offline batched throughput (no HTTP: `TextClassifier.predict_proba` on batches of
`--max-batch-size` MR sentences). Each request is `POST /classify {"text": <one MR sentence>}`.
Both services run side by side (the idle one costs nothing measurable) and take turns at each
concurrency, the first of each pair alternating between repeats, so a ratio compares measurements
seconds apart on this shared machine, not minutes; the offline figure is measured right after the
concurrency-32 pair. A fourth figure, measured next, bounds what any endpoint can reach:
`GET /healthz` (no body, no model) against the batching service at concurrency 32, the cost of
gunicorn, Flask and the request metrics alone. The whole run is repeated (`--repeats`, 3 by default) and the table gives
mean ± std. Writes a Markdown table and the raw numbers as JSON.

Usage (train the model first: `textcnn train --dataset mr --preset fast --output-dir runs/mr`):

    python -m scripts.load_benchmark --model runs/mr/model.textcnn --output benchmarks/service_load

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

import numpy as np


from textcnn.metrics import mean_std
from scripts.service_load import Service, add_service_arguments, mr_bodies, require_wrk, run_wrk


def offline_throughput(model: Path, texts: list[str], batch_size: int, seconds: float) -> dict:
    """Texts per second of `predict_proba` in batches of `batch_size`, tokenising included."""
    from textcnn.inference.text import TextClassifier

    classifier = TextClassifier.load(model)
    classifier.predict_proba(texts[:batch_size], batch_size=batch_size)  # trace
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for start in range(0, len(texts), batch_size):
            classifier.predict_proba(texts[start: start + batch_size], batch_size=batch_size)
            done += len(texts[start: start + batch_size])
    return {"texts": done, "seconds": time.perf_counter() - started,
            "throughput": done / (time.perf_counter() - started), "batch_size": batch_size}


def _row(service: Service, bodies: Path, connections: int, seconds: float, label: str) -> dict:
    load = os.getloadavg()[0]
    result = run_wrk(service.url, bodies, connections, seconds)
    print(f"  {label:<13} c={connections:<4} {result['throughput']:8.1f} req/s  p50 {result['p50_ms']:.2f}  "
          f"p95 {result['p95_ms']:.2f}  p99 {result['p99_ms']:.2f} ms  errors {result['errors']}  "
          f"(load {load:.1f})", flush=True)
    return {"concurrency": connections, "load_before": load, **result}


def _ceiling(service: Service, bodies: Path, seconds: float) -> dict:
    """`GET /healthz` at concurrency 32: gunicorn, Flask and the request metrics, no body, no model."""
    empty = {"load_before": os.getloadavg()[0], **run_wrk(service.url, bodies, 32, seconds, path="/healthz", method="GET")}
    print(f"  GET /healthz c=32 {empty['throughput']:8.1f} req/s (the framework's ceiling)", flush=True)
    return empty


def measure(model: Path, bodies: Path, concurrencies: list[int], seconds: float, ceiling: bool = False,
            **settings) -> tuple[list[dict], dict | None]:
    """One service: rows of `POST /classify` at each concurrency; with `ceiling`, also
    `GET /healthz` at 32 (`scripts/worker_sizing.py` compares layouts with it)."""
    service = Service(model, **settings)
    try:
        run_wrk(service.url, bodies, 8, 3)  # warm-up: every worker traced its shapes
        rows = [_row(service, bodies, connections, seconds, "") for connections in concurrencies]
        return rows, (_ceiling(service, bodies, seconds) if ceiling else None)
    finally:
        service.stop()


def measure_repeat(args, texts: list[str], bodies: Path, settings: dict, batched_first: bool) -> dict:
    """One repeat: both services side by side, taking turns at each concurrency; right after the
    concurrency-32 pair, offline and then the framework's ceiling on the batching service."""
    services = {}
    try:
        services["batching on"] = Service(args.model, port=args.port, max_batch_size=args.max_batch_size, **settings)
        services["batching off"] = Service(args.model, port=args.port + 1, max_batch_size=1, **settings)
        for service in services.values():
            run_wrk(service.url, bodies, 8, 3)  # warm-up: every worker traced its shapes
        order = ["batching on", "batching off"] if batched_first else ["batching off", "batching on"]
        rows = {label: [] for label in services}
        offline = empty = None
        for connections in args.concurrency:
            for label in order:
                rows[label].append(_row(services[label], bodies, connections, args.seconds, label))
            if connections == 32 or (offline is None and connections == args.concurrency[-1]):
                # Before concurrency 128, whose queued requests the service is still answering for
                # seconds after wrk stops.
                offline = offline_throughput(args.model, texts, args.max_batch_size, args.offline_seconds)
                print(f"  offline batched throughput {offline['throughput']:.0f} texts/s", flush=True)
                empty = _ceiling(services["batching on"], bodies, args.seconds)
        return {"offline": offline, "batched": rows["batching on"], "unbatched": rows["batching off"],
                "healthz": empty, "batched_first": batched_first}
    finally:
        for service in services.values():
            service.stop()


def markdown(report: dict) -> str:
    s = report["settings"]
    repeats = len(report["repeats"])
    offline = [r["offline"]["throughput"] for r in report["repeats"]]
    healthz = [r["healthz"]["throughput"] for r in report["repeats"]]
    bound = 1 / (1 / np.mean(healthz) + 1 / np.mean(offline))
    lines = [
        "# Prediction service under load (MR CNN-rand, preset `fast`)", "",
        f"Command: `{report['command']}`", "",
        f"Machine: {report['machine']}. The 1-minute load average before each measurement (this benchmark's own "
        "processes and threads included: with batching off up to 32 model calls run at once) is in the last column. "
        "Each figure is the "
        f"mean ± std of {repeats} repeats (each repeat: both services side by side, taking turns at each concurrency, "
        "the first of each pair alternating between repeats; offline, then `GET /healthz`, right after the concurrency-32 pair).", "",
        f"Service: gunicorn, {s['workers']} worker(s) x {s['threads']} threads (worker class {s.get('worker_class') or 'textcnn_service.worker.ServiceWorker'}), micro-batching "
        f"max_batch_size={s['max_batch_size']}, max_batch_wait_ms={s['max_batch_wait_ms']}; TensorFlow intra-op "
        "threads = cores / workers. Client: wrk, 1 thread, one MR sentence per request "
        f"(`POST /classify {{\"text\": ...}}`), {report['seconds']} s per concurrency.", "",
        f"Offline batched throughput (no HTTP, `predict_proba` in batches of {s['max_batch_size']}, tokenising "
        f"included): **{mean_std(offline)} texts/s**.", "",
        "The framework's ceiling (`GET /healthz` on the batching service at concurrency 32: gunicorn, Flask and "
        f"the request metrics, no body, no model): **{mean_std(healthz)} requests/s**. Both share the same "
        "cores, so a request that costs the framework's time plus one text's model time cannot be answered faster "
        f"than 1 / (1 / ceiling + 1 / offline) = **{bound:.0f} requests/s, {bound / np.mean(offline):.0%} of "
        "offline**, whatever the batching, with these gunicorn settings.", "",
        "| service | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in (("batching on", "batched"), ("batching off", "unbatched")):
        for i, connections in enumerate(report["concurrency"]):
            rows = [r[key][i] for r in report["repeats"]]
            lines.append(f"| {label} | {connections} | {mean_std([r['throughput'] for r in rows])} | "
                         f"{mean_std([r['p50_ms'] for r in rows], 1)} | {mean_std([r['p95_ms'] for r in rows], 1)} | "
                         f"{mean_std([r['p99_ms'] for r in rows], 1)} | {sum(r['errors'] for r in rows)} | "
                         f"{mean_std([r['load_before'] for r in rows], 1)} |")
    goals = report["goals"]
    lines += ["", "Goals (issue 5), on the means, with each repeat's value:", "",
              f"- concurrency 32, batching on / batching off: {goals['speedup_vs_unbatched']:.2f}x (goal >= 2x): "
              f"{'met' if goals['speedup_vs_unbatched'] >= 2 else 'NOT met'}; repeats: "
              + ", ".join(f"{v:.2f}x" for v in goals["per_repeat"]["speedup_vs_unbatched"]),
              f"- concurrency 32, batching on / offline batched: {goals['fraction_of_offline']:.0%} (goal >= 50%): "
              f"{'met' if goals['fraction_of_offline'] >= 0.5 else 'NOT met'}; repeats: "
              + ", ".join(f"{v:.0%}" for v in goals["per_repeat"]["fraction_of_offline"]),
              f"- concurrency 1, p99: {goals['p99_ms_at_1']:.1f} ms (goal < 15 ms): "
              f"{'met' if goals['p99_ms_at_1'] < 15 else 'NOT met'}; repeats: "
              + ", ".join(f"{v:.1f} ms" for v in goals["per_repeat"]["p99_ms_at_1"]), ""]
    return "\n".join(lines)


def _goals(repeat: dict, concurrency: list[int]) -> dict:
    at32, at1 = concurrency.index(32), concurrency.index(1)
    return {"speedup_vs_unbatched": repeat["batched"][at32]["throughput"] / repeat["unbatched"][at32]["throughput"],
            "fraction_of_offline": repeat["batched"][at32]["throughput"] / repeat["offline"]["throughput"],
            "p99_ms_at_1": repeat["batched"][at1]["p99_ms"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--max-batch-size", type=int, default=64)
    parser.add_argument("--max-batch-wait-ms", type=float, default=2.0)
    parser.add_argument("--offline-seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="whole runs; the table shows mean ± std")
    parser.add_argument("--port", type=int, default=8091, help="the batching service's port; batching off uses the next")
    args = parser.parse_args(argv)
    require_wrk()
    texts, bodies = mr_bodies(seed=0)
    settings = {"workers": args.workers, "threads": args.threads, "max_batch_wait_ms": args.max_batch_wait_ms}
    repeats = []
    for repeat in range(1, args.repeats + 1):
        print(f"repeat {repeat}: the services with batching on and off, in turns ...", flush=True)
        repeats.append(measure_repeat(args, texts, bodies, settings, batched_first=repeat % 2 == 1))

    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "seconds": args.seconds, "concurrency": args.concurrency,
              "settings": {**settings, "max_batch_size": args.max_batch_size}, "repeats": repeats}
    if 1 in args.concurrency and 32 in args.concurrency:
        per_repeat = [_goals(r, args.concurrency) for r in repeats]
        at32 = args.concurrency.index(32)
        on32 = float(np.mean([r["batched"][at32]["throughput"] for r in repeats]))
        off32 = float(np.mean([r["unbatched"][at32]["throughput"] for r in repeats]))
        offline_mean = float(np.mean([r["offline"]["throughput"] for r in repeats]))
        report["goals"] = {
            "speedup_vs_unbatched": on32 / off32, "fraction_of_offline": on32 / offline_mean,
            "p99_ms_at_1": float(np.mean([r["batched"][args.concurrency.index(1)]["p99_ms"] for r in repeats])),
            "per_repeat": {key: [g[key] for g in per_repeat] for key in per_repeat[0]}}
        print(json.dumps(report["goals"]))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        if "goals" in report:
            args.output.with_suffix(".md").write_text(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
