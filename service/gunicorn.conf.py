"""gunicorn settings of the prediction service.

Run::

    TEXTCNN_MODELS_DIR=models gunicorn -c service/gunicorn.conf.py textcnn_service.wsgi:app

Recommended settings (each overridable by an environment variable or a gunicorn flag):

- ``worker_class = "textcnn_service.worker.ServiceWorker"`` (``TEXTCNN_WORKER_CLASS``, ``-k``): gunicorn's
  threaded worker (``gthread``), whose thread answers a busy kept-alive connection's next request
  itself instead of handing the connection back to the main thread (``TEXTCNN_LINGER_MS``, 5 ms:
  see ``service/worker.py``). Request threads mostly wait on the model's micro-batcher, and one
  batcher thread per model runs TensorFlow, which releases the GIL.
- ``workers`` (``TEXTCNN_WORKERS``, ``-w``): 1 per core, default ``cores``. A worker's Python
  side (gunicorn's HTTP handling, Flask, JSON, tokenising) runs under one GIL and cannot use more
  than one core, while its model calls run in TensorFlow's threads outside the GIL; one worker per
  core gives the Python side every core. Measured on the 2-core benchmark machine (MR CNN-rand,
  concurrency 32, layouts interleaved in 3 rounds, ``benchmarks/service_workers.md``): 1 worker
  x 32 threads 637 requests/s, 2 x 16 947, 2 x 32 922. Every worker holds its own TensorFlow
  runtime (~0.7 GB resident), its own copy of every model and its own batcher: on a large
  machine memory, not cores, may set the count.
- ``threads`` (``TEXTCNN_THREADS``, ``--threads``): 32 per worker: a thread per request the
  worker holds at once, and at most that many requests share one model call.
- TensorFlow intra-op threads = ``cores // workers`` per worker (set in ``post_fork`` as
  ``TEXTCNN_INTRA_OP_THREADS`` unless given), inter-op threads 1, so workers do not fight over
  cores.
- ``preload_app = False``: the app, TensorFlow and the models are created in each worker after
  the fork, never in the master.
- ``graceful_timeout``: on SIGTERM a worker stops accepting, finishes its requests (and its
  batchers drain), then exits.
- Models load in the worker before it accepts connections (``TEXTCNN_LOAD_IN_BACKGROUND=0`` is
  the default here): a worker that is (re)starting never answers 503 while its siblings could
  serve; connections wait in the listen backlog until a worker is ready.
- Reloading models without downtime: ``pkill -HUP -P <master pid>`` (SIGHUP to the workers) or
  ``TEXTCNN_WATCH_INTERVAL_S``: each worker loads and warms the new version beside the old one and
  swaps it in. ``kill -HUP <master>`` is gunicorn's own reload: it replaces the workers without
  waiting for the new ones to load their models, so requests wait (tens of seconds with
  TensorFlow's import) until they are ready; use it for new code or settings, not new models.
- Metrics: ``PROMETHEUS_MULTIPROC_DIR`` is set (a fresh temporary directory unless given) before
  the workers fork, so ``GET /metrics`` adds up every worker's samples.
"""

import os
import shutil
import sys
import tempfile

from textcnn_service.config import ServiceConfig
from textcnn.errors import TextcnnError


def _positive_int(name: str, default: int) -> int:
    """``$name`` as a positive integer (`default` when unset); a bad value stops gunicorn with
    one line, before any worker starts."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and int(raw) > 0):
        sys.exit(f"textcnn: {name} must be a positive integer. Received: {raw!r}")
    return int(raw)


try:
    _config = ServiceConfig.load()
except TextcnnError as error:
    sys.exit(f"textcnn: {error}")
_cores = os.cpu_count() or 1

bind = os.environ.get("TEXTCNN_BIND", f"{_config.host}:{_config.port}")
workers = _positive_int("TEXTCNN_WORKERS", _cores)
worker_class = os.environ.get("TEXTCNN_WORKER_CLASS", "textcnn_service.worker.ServiceWorker")
threads = _positive_int("TEXTCNN_THREADS", 32)
preload_app = False
timeout = 120
graceful_timeout = 30
keepalive = 5
# Refuse absurd request lines and headers early; the body limit is the app's max_body_bytes.
limit_request_line = 8190
limit_request_fields = 100

_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="textcnn-metrics-")


def on_starting(server):
    """Clears samples a previous run left in the metrics directory."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.unlink(os.path.join(directory, name))


def post_fork(server, worker):
    """Loads models before accepting; sizes TensorFlow's thread pools for this worker, before
    anything imports TensorFlow."""
    os.environ.setdefault("TEXTCNN_LOAD_IN_BACKGROUND", "0")
    share = max(1, _cores // max(1, server.cfg.workers))
    os.environ.setdefault("TEXTCNN_INTRA_OP_THREADS", str(share))
    os.environ.setdefault("TEXTCNN_INTER_OP_THREADS", "1")


def post_worker_init(worker):
    """SIGHUP to a worker reloads its models in place (gunicorn resets the handler at fork)."""
    registry = worker.wsgi.extensions.get("textcnn") if hasattr(worker.wsgi, "extensions") else None
    if registry is not None and registry.config.reload_on_sighup:
        registry.install_sighup()


def worker_exit(server, worker):
    """After the worker's last request: answers what the batchers still hold, then stops them."""
    registry = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("textcnn")
    if registry is not None:
        registry.close(drain=True, timeout=graceful_timeout)


def child_exit(server, worker):
    """Drops the live gauges of a worker that is gone."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Removes the metrics directory this file created."""
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)
