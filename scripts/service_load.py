"""Driving a gunicorn prediction service with `wrk` (shared by `load_benchmark.py` and `soak.py`).

`wrk` (Debian's package) costs little CPU beside the service on a small machine; its Lua script
POSTs `{"text": ...}` bodies taken in turn from a file and prints a JSON summary (requests,
errors, p50/p95/p99 latency).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WRK_SCRIPT = r"""
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do bodies[#bodies + 1] = line end
local counter = 0
wrk.method = os.getenv("WRK_METHOD")
if wrk.method == "POST" then wrk.headers["Content-Type"] = "application/json" end
request = function()
  counter = counter + 1
  if wrk.method ~= "POST" then return wrk.format(nil, os.getenv("WRK_PATH")) end
  return wrk.format(nil, os.getenv("WRK_PATH"), nil, bodies[counter % #bodies + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
    .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, '
    .. '"mean_ms": %.3f, "max_ms": %.3f}\n', summary.requests, summary.duration, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000))
end
"""


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    return wrk


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """The model, the output and the gunicorn settings, common to both scripts."""
    parser.add_argument("--model", type=Path, required=True, help="a text model file (model.textcnn)")
    parser.add_argument("--output", type=Path, help="write OUTPUT.md and OUTPUT.json")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="gunicorn workers (default: one per core, as service/gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=32, help="threads per gunicorn worker")


def mr_bodies(seed: int, first: tuple[str, ...] = ()) -> tuple[list[str], Path]:
    """The MR sentences (from TEXTCNN_DATA_DIR or its public source) shuffled by `seed`, after
    `first`, and the file of their ``{"text": ...}`` bodies that wrk sends in turn."""
    from textcnn.data.datasets import load_benchmark

    texts = load_benchmark("mr").train.texts
    random.Random(seed).shuffle(texts)
    texts[:0] = first
    return texts, write_bodies(texts, Path(tempfile.mkdtemp(prefix="textcnn-wrk-")) / "bodies.jsonl")


class Service:
    """A gunicorn service of one model, `models_dir/<name>/1/model.textcnn`, with `settings` as
    ``TEXTCNN_*`` variables (``workers``, ``threads``, ``max_batch_size``, ...)."""

    def __init__(self, model: Path, name: str = "mr", port: int = 8091, **settings):
        self.directory = Path(tempfile.mkdtemp(prefix="textcnn-load-"))
        target = self.directory / "models" / name / "1" / "model.textcnn"
        target.parent.mkdir(parents=True)
        shutil.copyfile(model, target)
        self.url = f"http://127.0.0.1:{port}"
        self.workers = int(settings.get("workers", os.cpu_count() or 1))
        env = {key: value for key, value in os.environ.items() if not key.startswith("TEXTCNN_")}
        env.update({"TEXTCNN_MODELS_DIR": str(self.directory / "models"), "TF_CPP_MIN_LOG_LEVEL": "3",
                    "PROMETHEUS_MULTIPROC_DIR": str(self.directory / "metrics"),
                    "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
        env.update({"TEXTCNN_" + key.upper(): str(value) for key, value in settings.items()})
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = open(self.directory / "gunicorn.log", "w")
        self.process = subprocess.Popen([str(gunicorn), "-c", "service/gunicorn.conf.py", "-b", self.url[7:],
                                         "textcnn_service.wsgi:app"], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(180)

    def _wait_ready(self, timeout: float) -> None:
        """Waits until every worker has loaded and warmed its model (``textcnn_ready_workers``):
        /readyz answers from the first worker ready, and a load started then would keep all of
        wrk's connections on that one worker."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit("gunicorn exited:\n" + (self.directory / "gunicorn.log").read_text()[-3000:])
            try:
                if self.metric("textcnn_ready_workers") >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        sys.exit(f"{self.url}: not every worker was ready after {timeout} s")

    def metric(self, name: str) -> float:
        """The sum of every sample of metric `name` (over its labels) in ``GET /metrics``, which
        adds up the workers; 0 when absent."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        return sum(float(value) for value in re.findall(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def worker_rss_mb(self) -> float:
        """Resident memory of all workers together, in MiB."""
        total = 0
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)
        return code


def write_bodies(texts: list[str], path: Path) -> Path:
    path.write_text("".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in texts), encoding="utf-8")
    return path


def run_wrk(url: str, bodies: Path, connections: int, seconds: float, path: str = "/classify",
            threads: int = 1, method: str = "POST") -> dict:
    """One wrk run (POST sends the bodies in turn, GET none); its summary as a dict (plus
    ``throughput``, requests per second)."""
    script = bodies.with_suffix(".lua")
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "WRK_BODIES": str(bodies), "WRK_PATH": path, "WRK_METHOD": method}
    run = subprocess.run([require_wrk(), "-t", str(min(threads, connections)), "-c", str(connections),
                          "-d", f"{round(seconds)}s", "--timeout", "30s", "-s", str(script), url],
                         capture_output=True, text=True, env=env, timeout=seconds + 120)
    line = next((line for line in run.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        sys.exit(f"wrk failed:\n{run.stdout}\n{run.stderr}")
    summary = json.loads(line[len("WRK_JSON "):])
    summary["throughput"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["errors"] = sum(summary[key] for key in ("connect_errors", "read_errors", "write_errors",
                                                     "status_errors", "timeouts"))
    return summary
