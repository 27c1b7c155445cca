"""Soak test of the prediction service under gunicorn: at least `--requests` requests (100,000 by
default) driven by `wrk` in rounds, with no error allowed and the workers' resident memory sampled
after every round. Memory must not grow by more than `--max-growth-mb` (default 64 MiB) from the
end of the warm-up to the last round.

The warm-up (`--warmup-requests` per worker, 30,000 by default, errors counted like any others)
comes first: a fresh worker's resident memory grows while its first requests arrive (thread stacks
and allocator arenas of the request threads, buffers sized by the longest texts seen) and then
stays flat; a leak keeps growing. Each worker warms up on its own share of the requests, so the
warm-up is sized per worker (`benchmarks/service_soak_short_warmup.md`: with 12,569 warm-up
requests per worker, memory still rose past the bound after it). The report also compares the
highest memory of the first and the second half of the measured rounds (see `summarise`).

Usage:

    python -m scripts.soak --model runs/mr/model.textcnn --output benchmarks/service_soak

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


from scripts.service_load import Service, add_service_arguments, mr_bodies, require_wrk, run_wrk


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_service_arguments(parser)
    parser.add_argument("--requests", type=int, default=100_000, help="requests measured after the warm-up")
    parser.add_argument("--warmup-requests", type=int, default=30_000,
                        help="requests per worker before the memory baseline is taken")
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
        for target, into in ((args.warmup_requests * args.workers, warmup), (args.requests, rounds)):
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
    summary = summarise(warmup, rounds, args.max_growth_mb)
    summary["passed"] = summary["passed"] and exit_code == 0
    report = {"command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "seconds": time.monotonic() - started, **summary,
              "settings": {"workers": args.workers, "threads": args.threads, "concurrency": args.concurrency},
              "warmup": warmup, "rounds": rounds}
    print(json.dumps({k: v for k, v in report.items() if k not in ("warmup", "rounds")}))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        args.output.with_suffix(".md").write_text(markdown(report))
    return 0 if report["passed"] else 1


def summarise(warmup: list[dict], rounds: list[dict], max_growth_mb: float) -> dict:
    """Requests, errors and the memory figures of a soak. Growth is the last round's RSS minus the
    RSS after the warm-up; the halves' peaks compare the highest RSS of the first and of the second
    half of the measured rounds (resident memory moves in steps, up and down, as the allocator takes
    and returns pages: a leak raises the second half's peak, a warm-up step does not)."""
    rss = [r["worker_rss_mb"] for r in rounds]
    baseline = warmup[-1]["worker_rss_mb"]
    growth = rss[-1] - baseline
    errors = sum(r["errors"] for r in warmup + rounds)
    half = len(rss) // 2
    return {"requests": sum(r["requests"] for r in rounds), "warmup_requests": sum(r["requests"] for r in warmup),
            "errors": errors, "rss_baseline_mb": baseline, "rss_growth_mb": growth, "rss_peak_mb": max(rss),
            "rss_peak_first_half_mb": max(rss[:half] or rss), "rss_peak_second_half_mb": max(rss[half:]),
            "max_growth_mb": max_growth_mb, "passed": errors == 0 and growth <= max_growth_mb}


def markdown(report: dict) -> str:
    settings = report["settings"]
    named = [(f"warm-up {i}", r) for i, r in enumerate(report["warmup"], 1)]
    named += [(str(i), r) for i, r in enumerate(report["rounds"], 1)]
    lines = ["# Soak test of the prediction service (MR CNN-rand)", "", f"Command: `{report['command']}`", "",
             f"Machine: {report['machine']}, shared with other work while measured.", "",
             f"gunicorn {settings['workers']} worker(s) x {settings['threads']} threads, wrk at concurrency "
             f"{settings['concurrency']}, one MR sentence per request (plus emoji, mixed scripts, control "
             "characters and a 250 KB text among them).", "",
             f"**{report['requests']} requests after a warm-up of {report['warmup_requests']}, "
             f"{report['errors']} errors in all; workers' RSS {report['rss_baseline_mb']:.1f} MiB after the "
             f"warm-up -> {report['rounds'][-1]['worker_rss_mb']:.1f} MiB at the end (growth "
             f"{report['rss_growth_mb']:+.1f} MiB; bound {report['max_growth_mb']:.0f} MiB); highest RSS "
             f"{report['rss_peak_first_half_mb']:.1f} MiB in the first half of the rounds, "
             f"{report['rss_peak_second_half_mb']:.1f} MiB in the second: "
             f"{'PASSED' if report['passed'] else 'FAILED'}.**", "",
             "| round | requests | errors | requests/s | p99 ms | workers' RSS MiB | load avg |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {name} | {r['requests']} | {r['errors']} | {r['throughput']:.0f} | {r['p99_ms']:.1f} | "
              f"{r['worker_rss_mb']:.1f} | {r['load']:.1f} |" for name, r in named]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
