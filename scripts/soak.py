"""Soak test of the prediction service under gunicorn: at least `--requests` requests (100,000 by
default) driven by `wrk` in rounds, with no error allowed and the workers' resident memory sampled
after every round. Memory must not grow by more than `--max-growth-mb` (default 64 MiB) between
the first round (everything traced and warm) and the last.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service_load import Service, add_service_arguments, mr_bodies, require_wrk, run_wrk  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--round-seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-growth-mb", type=float, default=64.0)
    args = parser.parse_args(argv)
    require_wrk()
    # Every kind of text the service must survive, among the ordinary ones.
    _, bodies = mr_bodies(seed=1, first=("😀🎬 great film 👍", "映画はすばらしい and фильм отличный",
                                         "tab\there\x00null\x07bell", "word " * 50_000))

    service = Service(args.model, workers=args.workers, threads=args.threads)
    rounds, total, errors, started = [], 0, 0, time.monotonic()
    try:
        while total < args.requests:
            result = run_wrk(service.url, bodies, args.concurrency, args.round_seconds)
            total += result["requests"]
            errors += result["errors"]
            rounds.append({"requests": result["requests"], "errors": result["errors"],
                           "throughput": result["throughput"], "p99_ms": result["p99_ms"],
                           "worker_rss_mb": service.worker_rss_mb(), "load": os.getloadavg()[0]})
            print(f"round {len(rounds)}: {total} requests, {errors} errors, workers' RSS "
                  f"{rounds[-1]['worker_rss_mb']:.1f} MiB", flush=True)
    finally:
        exit_code = service.stop()
    growth = rounds[-1]["worker_rss_mb"] - rounds[0]["worker_rss_mb"]
    passed = errors == 0 and growth <= args.max_growth_mb and exit_code == 0
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "requests": total, "errors": errors, "seconds": time.monotonic() - started,
              "rss_growth_mb": growth, "max_growth_mb": args.max_growth_mb, "passed": passed,
              "settings": {"workers": args.workers, "threads": args.threads, "concurrency": args.concurrency},
              "rounds": rounds}
    print(json.dumps({k: v for k, v in report.items() if k != "rounds"}))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        lines = ["# Soak test of the prediction service (MR CNN-rand)", "", f"Command: `{report['command']}`", "",
                 f"Machine: {report['machine']}, shared with other work while measured.", "",
                 f"gunicorn {args.workers} worker(s) x {args.threads} threads, wrk at concurrency "
                 f"{args.concurrency}, one MR sentence per request (plus emoji, mixed scripts, control "
                 "characters and a 250 KB text among them).", "",
                 f"**{total} requests, {errors} errors, workers' RSS {rounds[0]['worker_rss_mb']:.1f} -> "
                 f"{rounds[-1]['worker_rss_mb']:.1f} MiB (growth {growth:+.1f} MiB; bound {args.max_growth_mb:.0f} "
                 f"MiB): {'PASSED' if passed else 'FAILED'}.**", "",
                 "| round | requests | errors | requests/s | p99 ms | workers' RSS MiB | load avg |",
                 "|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {i} | {r['requests']} | {r['errors']} | {r['throughput']:.0f} | {r['p99_ms']:.1f} | "
                  f"{r['worker_rss_mb']:.1f} | {r['load']:.1f} |" for i, r in enumerate(rounds, 1)]
        args.output.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
