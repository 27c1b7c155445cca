"""Prometheus metrics of the service, safe across gunicorn worker processes.

Under gunicorn, ``service/gunicorn.conf.py`` sets ``PROMETHEUS_MULTIPROC_DIR`` before the workers
fork: every worker then writes its samples to files there and ``GET /metrics`` (answered by any
worker) adds them up. Without that variable (tests, ``textcnn serve``) each app keeps its own
in-memory registry.

Metrics:
    textcnn_requests_total{endpoint, model, status}    requests answered
    textcnn_request_duration_seconds{endpoint}         latency histogram
    textcnn_texts_total{model}                         texts classified
    textcnn_batch_size{model}                          texts per model call (histogram)
    textcnn_batch_requests{model}                      requests per model call (histogram)
    textcnn_model_call_seconds{model}                  duration of one model call (histogram)
    textcnn_queue_depth{model}                         requests waiting for the model
    textcnn_model_version{model}                       version served
    textcnn_model_load_seconds{model}                  load + warm-up time of that version
    textcnn_model_loaded_timestamp_seconds{model}      when it was swapped in
    textcnn_ready_workers                              worker processes whose models are loaded and
                                                       warmed (each ready worker adds 1)
"""

from __future__ import annotations

import os
import time

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


class Metrics:
    """The service's metrics, registered in their own :class:`CollectorRegistry`."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("textcnn_requests", "Requests answered.",
                                ("endpoint", "model", "status"), registry=r)
        self.latency = Histogram("textcnn_request_duration_seconds", "Request latency.",
                                 ("endpoint",), buckets=LATENCY_BUCKETS, registry=r)
        self.texts = Counter("textcnn_texts", "Texts classified.", ("model",), registry=r)
        self.batch_size = Histogram("textcnn_batch_size", "Texts per model call.", ("model",),
                                    buckets=SIZE_BUCKETS, registry=r)
        self.batch_requests = Histogram("textcnn_batch_requests", "Requests per model call.",
                                        ("model",), buckets=SIZE_BUCKETS, registry=r)
        self.model_call = Histogram("textcnn_model_call_seconds", "Duration of one model call.",
                                    ("model",), buckets=LATENCY_BUCKETS, registry=r)
        self.queue_depth = Gauge("textcnn_queue_depth", "Requests waiting for the model.", ("model",),
                                 registry=r, multiprocess_mode="livesum")
        self.model_version = Gauge("textcnn_model_version", "Version served.", ("model",),
                                   registry=r, multiprocess_mode="livemax")
        self.model_load = Gauge("textcnn_model_load_seconds", "Load and warm-up time of the served version.",
                                ("model",), registry=r, multiprocess_mode="livemax")
        self.model_loaded = Gauge("textcnn_model_loaded_timestamp_seconds", "When the served version was swapped in.",
                                  ("model",), registry=r, multiprocess_mode="livemax")
        self.ready_workers = Gauge("textcnn_ready_workers",
                                   "Worker processes whose models are loaded and warmed.",
                                   registry=r, multiprocess_mode="livesum")

    # -- recording ------------------------------------------------------------------------------------

    def observe_request(self, endpoint: str, model: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, model, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def observe_batch(self, model: str, texts: int, requests: int, seconds: float) -> None:
        self.texts.labels(model).inc(texts)
        self.batch_size.labels(model).observe(texts)
        self.batch_requests.labels(model).observe(requests)
        self.model_call.labels(model).observe(seconds)

    def set_queue_depth(self, model: str, depth: int) -> None:
        self.queue_depth.labels(model).set(depth)

    def set_model(self, model: str, version: int, load_seconds: float) -> None:
        self.model_version.labels(model).set(version)
        self.model_load.labels(model).set(load_seconds)
        self.model_loaded.labels(model).set(time.time())

    def set_ready(self, ready: bool) -> None:
        self.ready_workers.set(1 if ready else 0)

    # -- exposition -----------------------------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        """The text exposition format: of all gunicorn workers in multiprocess mode."""
        if multiprocess_dir():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
