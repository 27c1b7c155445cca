"""Soak test of the prediction service under gunicorn: at least `--requests` requests (100,000 by
default) driven by `wrk` in rounds, with no error allowed and the workers' resident memory sampled
after every round. Memory must not grow by more than `--max-growth-mb` (default 64 MiB) from the
end of the warm-up to the last round.

The warm-up (`--warmup-requests`, 20,000 by default, errors counted like any others) comes first:
a fresh worker's resident memory grows while its first requests arrive (thread stacks and
allocator arenas of the request threads, buffers sized by the longest texts seen) and then stays
flat; a leak keeps growing. The report also gives the trend: the least-squares slope of the
workers' memory over the second half of the measured rounds, in MiB per 100,000 requests (resident
memory moves in steps as the allocator takes and returns pages; a leak shows as a slope that
persists to the end).

Usage:

    python scripts/soak.py --model runs/mr/model.textcnn --output benchmarks/service_soak

Exits 1 when a request failed or memory grew past the bound. Needs `wrk`.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service_load import Service, add_service_arguments, mr_bodies, require_wrk, run_wrk  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument("--requests", type=int, default=100_000, help="requests measured after the warm-up")
    parser.add_argument("--warmup-requests", type=int, default=20_000,
                        help="requests before the memory baseline is taken")
    parser.add_argument("--round-seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-growth-mb", type=float, default=64.0)
    args = parser.parse_args(argv)
    require_wrk()
    # Every kind of text the service must survive, among the ordinary ones.
    _, bodies = mr_bodies(seed=1, first=("😀🎬 great film 👍", "映画はすばらしい and фильм отличный",
                                         "tab\there\x00null\x07bell", "word " * 50_000))

    service = Service(args.model, workers=args.workers, threads=args.threads)
    rounds, warmup, started = [], [], time.monotonic()
    try:
        for target, into in ((args.warmup_requests, warmup), (args.requests, rounds)):
            while sum(r["requests"] for r in into) < target or not into:
                result = run_wrk(service.url, bodies, args.concurrency, args.round_seconds)
                into.append({"requests": result["requests"], "errors": result["errors"],
                             "throughput": result["throughput"], "p99_ms": result["p99_ms"],
                             "worker_rss_mb": service.worker_rss_mb(), "load": os.getloadavg()[0]})
                print(f"{'warm-up' if into is warmup else 'round'} {len(into)}: "
                      f"{sum(r['requests'] for r in into)} requests, {sum(r['errors'] for r in into)} "
                      f"errors, workers' RSS {into[-1]['worker_rss_mb']:.1f} MiB", flush=True)
    finally:
        exit_code = service.stop()
    total = sum(r["requests"] for r in rounds)
    errors = sum(r["errors"] for r in warmup + rounds)
    baseline = warmup[-1]["worker_rss_mb"]
    growth = rounds[-1]["worker_rss_mb"] - baseline
    slope = rss_slope(rounds)
    passed = errors == 0 and growth <= args.max_growth_mb and exit_code == 0
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "requests": total, "warmup_requests": sum(r["requests"] for r in warmup), "errors": errors,
              "seconds": time.monotonic() - started, "rss_baseline_mb": baseline, "rss_growth_mb": growth,
              "rss_peak_mb": max(r["worker_rss_mb"] for r in rounds), "rss_slope_second_half_mb_per_100k": slope,
              "max_growth_mb": args.max_growth_mb, "passed": passed,
              "settings": {"workers": args.workers, "threads": args.threads, "concurrency": args.concurrency},
              "warmup": warmup, "rounds": rounds}
    print(json.dumps({k: v for k, v in report.items() if k not in ("warmup", "rounds")}))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        lines = ["# Soak test of the prediction service (MR CNN-rand)", "", f"Command: `{report['command']}`", "",
                 f"Machine: {report['machine']}, shared with other work while measured.", "",
                 f"gunicorn {args.workers} worker(s) x {args.threads} threads, wrk at concurrency "
                 f"{args.concurrency}, one MR sentence per request (plus emoji, mixed scripts, control "
                 "characters and a 250 KB text among them).", "",
                 f"**{total} requests after a warm-up of {report['warmup_requests']}, {errors} errors in all; "
                 f"workers' RSS {baseline:.1f} MiB after the warm-up -> {rounds[-1]['worker_rss_mb']:.1f} MiB "
                 f"at the end (growth {growth:+.1f} MiB; bound {args.max_growth_mb:.0f} MiB; peak "
                 f"{report['rss_peak_mb']:.1f} MiB; trend over the second half {slope:+.1f} MiB per 100,000 "
                 "requests): "
                 f"{'PASSED' if passed else 'FAILED'}.**", "",
                 "| round | requests | errors | requests/s | p99 ms | workers' RSS MiB | load avg |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        named = [(f"warm-up {i}", r) for i, r in enumerate(warmup, 1)] + [(str(i), r) for i, r in enumerate(rounds, 1)]
        lines += [f"| {name} | {r['requests']} | {r['errors']} | {r['throughput']:.0f} | {r['p99_ms']:.1f} | "
                  f"{r['worker_rss_mb']:.1f} | {r['load']:.1f} |" for name, r in named]
        args.output.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return 0 if passed else 1


def rss_slope(rounds: list[dict]) -> float:
    """Least-squares slope of the workers' RSS against requests served over the second half of
    `rounds`, in MiB per 100,000 requests."""
    served = np.cumsum([r["requests"] for r in rounds], dtype=float)[len(rounds) // 2:]
    rss = np.array([r["worker_rss_mb"] for r in rounds])[len(rounds) // 2:]
    if len(served) < 2:
        return 0.0
    return float(np.polyfit(served, rss, 1)[0] * 100_000)


if __name__ == "__main__":
    sys.exit(main())
