"""Where the CPU goes when the service is loaded: per request, the workers' Python threads (HTTP,
Flask, our route, the batcher's Python side of the model call), TensorFlow's compute threads, the
kernel time of each, and wrk; the mean batch size (from /metrics) and the connections each worker
holds.

    TEXTCNN_DATA_DIR=../shared/data python -m scripts.service_cpu --model runs/mr/model.textcnn \
        --connections 32 --repeats 3 --max-batch-size 64 1 --output benchmarks/service_cpu

Linux only (reads /proc). Each repeat starts a fresh service per `--max-batch-size` setting
(service/gunicorn.conf.py settings otherwise; 1 is batching off), loads it for a warm-up, then
samples every thread's CPU time over `--seconds` of a wrk run at `--connections`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from textcnn.metrics import mean_std
from scripts.service_load import Service, add_service_arguments, mr_bodies, run_wrk

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def thread_times() -> dict[tuple[int, int], tuple[str, float, float]]:
    """(pid, tid) -> (thread name, user s, system s) for every thread on the machine."""
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                name = stat[stat.index("(") + 1: stat.rindex(")")]
                fields = stat[stat.rindex(")") + 2:].split()
                out[(int(pid), int(tid))] = (name, int(fields[11]) / TICKS, int(fields[12]) / TICKS)
        except OSError:
            pass
    return out


def sockets(pid: int) -> int:
    """Open sockets of process `pid`: a worker's client connections plus its listening socket."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def group(pid: int, name: str, workers: set[int]) -> str | None:
    if pid in workers:
        return "worker TensorFlow threads" if name.startswith("tf_") else "worker Python threads"
    if name == "wrk":
        return "wrk"
    return None


def measure_once(args, bodies: Path, max_batch_size: int) -> dict:
    service = Service(args.model, port=args.port, workers=args.workers, threads=args.threads,
                      max_batch_size=max_batch_size)
    try:
        run_wrk(service.url, bodies, args.connections, 3)
        workers = set(service.worker_pids())
        result = {}
        load = threading.Thread(target=lambda: result.update(
            run_wrk(service.url, bodies, args.connections, args.seconds + 4)))
        load.start()
        time.sleep(2)
        texts0, calls0 = service.metric("textcnn_batch_size_sum"), service.metric("textcnn_batch_size_count")
        connections = sorted(sockets(pid) - 1 for pid in workers)
        before, start = thread_times(), time.monotonic()
        time.sleep(args.seconds)
        after, elapsed = thread_times(), time.monotonic() - start
        texts1, calls1 = service.metric("textcnn_batch_size_sum"), service.metric("textcnn_batch_size_count")
        load.join()
    finally:
        service.stop()
    cores = Counter()
    for key, (name, user, system) in after.items():
        if key not in before:
            continue
        where = group(key[0], name, workers)
        if where is not None:
            cores[f"{where}, user"] += (user - before[key][1]) / elapsed
            cores[f"{where}, system"] += (system - before[key][2]) / elapsed
    throughput = result["throughput"]
    return {"throughput": throughput, "errors": result["errors"], "p99_ms": result["p99_ms"],
            "mean_batch": (texts1 - texts0) / max(calls1 - calls0, 1), "connections_per_worker": connections,
            "cores": dict(cores), "core_ms_per_request": {k: v / throughput * 1e3 for k, v in cores.items()}}


def markdown(report: dict) -> str:
    sizes = report["max_batch_size"]
    lines = [f"# Where the CPU goes under load (concurrency {report['connections']})", "",
             f"Command: `{report['command']}`", "",
             f"{report['machine']}; {report['repeat_count']} repeats, each a fresh service (service/gunicorn.conf.py "
             f"settings: {report['workers']} workers x {report['threads']} threads), the settings taking turns in "
             "each repeat; mean ± std. `max_batch_size` 1 is batching off: one model call per request.", ""]
    for size in sizes:
        lines += section([r for r in report["repeats"] if r["max_batch_size"] == size], size)
    if 1 in sizes and len(sizes) > 1:
        lines += comparison(report["repeats"], max(sizes))
    return "\n".join(lines) + "\n"


def comparison(runs: list[dict], batched: int) -> list[str]:
    """Batching on against off: what a request costs in each, and what 2x would ask."""
    def mean(size, pick):
        return float(np.mean([pick(r) for r in runs if r["max_batch_size"] == size]))

    def cost(size, prefix=""):
        return mean(size, lambda r: sum(v for k, v in r["core_ms_per_request"].items() if k.startswith(prefix)))

    on, off = cost(batched), cost(1)
    speedup = mean(batched, lambda r: r["throughput"]) / mean(1, lambda r: r["throughput"])
    return [f"## Batching on (max_batch_size {batched}) against off", "",
            f"- throughput ratio: {speedup:.2f}x; CPU per request {on:.2f} core-ms on, {off:.2f} off "
            f"({off / on:.2f}x).",
            f"- TensorFlow's compute per request: {cost(batched, 'worker TensorFlow'):.2f} core-ms on, "
            f"{cost(1, 'worker TensorFlow'):.2f} off; the workers' Python threads: "
            f"{cost(batched, 'worker Python'):.2f} on, {cost(1, 'worker Python'):.2f} off.",
            f"- With both settings CPU-bound, 2x needs a batched request to cost at most half an unbatched "
            f"one. Work that both settings do per request (HTTP, Flask, JSON, tokenising) cut by x core-ms "
            f"gives (off - x) / (on - x) >= 2 for x >= 2 on - off = {2 * on - off:.2f} core-ms "
            f"({(2 * on - off) / on:.0%} of a batched request); cutting the cost of a model call helps the "
            "unbatched service more and lowers the ratio.", ""]


def section(runs: list[dict], max_batch_size: int) -> list[str]:
    keys = sorted({k for r in runs for k in r["cores"]}, key=lambda k: -np.mean([r["cores"].get(k, 0) for r in runs]))
    total = [sum(r["core_ms_per_request"].values()) for r in runs]
    lines = [f"## max_batch_size {max_batch_size}", "",
             f"- throughput: {mean_std([r['throughput'] for r in runs])} requests/s "
             f"(errors: {sum(r['errors'] for r in runs)}), p99 {mean_std([r['p99_ms'] for r in runs], 1)} ms",
             f"- texts per model call: {mean_std([r['mean_batch'] for r in runs], 1)}", "",
             "| threads | cores busy | core-ms per request | share |", "|---|---|---|---|"]
    for key in keys:
        busy = [r["cores"].get(key, 0) for r in runs]
        per = [r["core_ms_per_request"].get(key, 0) for r in runs]
        share = [p / t for p, t in zip(per, total)]
        lines.append(f"| {key} | {mean_std(busy, 2)} | {mean_std(per, 3)} | {np.mean(share):.0%} |")
    lines.append(f"| total counted | | {mean_std(total, 3)} | |")
    lines += ["", "Each repeat (a worker's Python threads can use at most one core, its GIL's; a repeat where "
              "they use about one core in all had its connections on one worker):", "",
              "| repeat | requests/s | texts per call | connections per worker | worker Python threads (user + system), cores |",
              "|---|---|---|---|---|"]
    for i, r in enumerate(runs):
        python = sum(v for k, v in r["cores"].items() if k.startswith("worker Python"))
        held = " / ".join(map(str, r.get("connections_per_worker", [])))
        lines.append(f"| {i} | {r['throughput']:.0f} | {r['mean_batch']:.1f} | {held} | {python:.2f} |")
    return lines + [""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--max-batch-size", type=int, nargs="+", default=[64],
                        help="micro-batching settings compared, taking turns in each repeat (1: batching off)")
    args = parser.parse_args(argv)
    _, bodies = mr_bodies(0)
    runs = []
    for repeat in range(args.repeats):
        for size in args.max_batch_size:
            runs.append({"max_batch_size": size, **measure_once(args, bodies, size)})
            print(f"repeat {repeat}, max_batch_size {size}: {runs[-1]['throughput']:.0f} req/s, "
                  f"batch {runs[-1]['mean_batch']:.1f}", flush=True)
    report = {"command": "python -m scripts.service_cpu " + " ".join(argv if argv is not None else sys.argv[1:]),
              "machine": f"{os.cpu_count()} cores", "connections": args.connections, "workers": args.workers,
              "threads": args.threads, "max_batch_size": args.max_batch_size, "repeat_count": args.repeats,
              "repeats": runs}
    text = markdown(report)
    print(text)
    if args.output:
        args.output.with_suffix(".md").write_text(text)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
