"""The Flask application factory of the prediction service.

Example:
>>> app = create_app({"models_dir": "models"})          # loads models/<name>/<newest>/ in the background
>>> app.extensions["textcnn"].wait_until_loaded(60)
True
>>> app.test_client().post("/classify", json={"texts": ["a gripping film"], "top_k": 2}).json
{'model': {'name': 'sst2', 'version': 2}, 'results': [{'label': 'positive', 'score': 0.91, 'top_k': [...]}]}

Endpoints:
    POST /classify, POST /models/<name>/classify   classify texts
    GET  /models, GET /models/<name>               served models and their metadata
    GET  /healthz, GET /readyz                     liveness, readiness (503 until models are warm)
    GET  /metrics                                  Prometheus metrics
    /v1/models/...                                 TensorFlow Serving REST compatible
    /v2/...                                        Open Inference Protocol (KServe v2 / Triton)
    POST /hf/models/<name>                         Hugging Face text-classification task
    GET  /openapi.json                             the OpenAPI 3 document of all of the above
    GET  /                                         a page to try the models in a browser
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from flask import Flask, g, request

from textcnn_service.config import ServiceConfig
from textcnn_service.errors import register_error_handlers
from textcnn_service.metrics import Metrics
from textcnn_service.registry import ModelRegistry
from textcnn_service.runtime import configure_tensorflow

log = logging.getLogger("textcnn.service")


def create_app(config: ServiceConfig | Mapping | None = None, registry: ModelRegistry | None = None) -> Flask:
    """Builds the service.

    Args:
        config: a :class:`ServiceConfig`, or a mapping of overrides on top of the ``TEXTCNN_*``
            environment variables (``None``: the environment alone).
        registry: the models to serve. ``None``: a :class:`ModelRegistry` over
            ``config.models_dir``, started here (in the background when
            ``config.load_in_background``). A registry passed in is served as it is; the caller
            loads it (``registry.load()`` or ``registry.add(...)``) and closes it.

    Returns:
        The Flask app; ``app.extensions["textcnn"]`` is the registry.
    """
    if not isinstance(config, ServiceConfig):
        config = ServiceConfig.load(config)
    app = Flask("service")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    metrics = Metrics()
    owns_registry = registry is None
    if owns_registry:
        configure_tensorflow(config.intra_op_threads, config.inter_op_threads)
        registry = ModelRegistry(config, metrics=metrics)
    else:
        registry.attach_metrics(metrics)
    app.extensions["textcnn"] = registry
    app.extensions["textcnn_config"] = config
    app.extensions["textcnn_metrics"] = metrics

    from textcnn_service.routes import classify, health, huggingface, models, openapi, page, tfserving, v2
    from textcnn_service.routes import metrics as metrics_routes

    for module in (classify, models, health, metrics_routes, tfserving, v2, huggingface, openapi, page):
        app.register_blueprint(module.bp)
    register_error_handlers(app)
    _record_requests(app, metrics)

    if owns_registry:
        registry.start(background=config.load_in_background)
    return app


def _record_requests(app: Flask, metrics: Metrics) -> None:
    @app.before_request
    def _start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        if rule != "/metrics":
            seconds = time.perf_counter() - g.get("started", time.perf_counter())
            metrics.observe_request(rule, g.get("model_name", ""), response.status_code, seconds)
        return response
