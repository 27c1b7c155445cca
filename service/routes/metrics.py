"""``GET /metrics`` in the Prometheus text format."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    """Every worker's samples (see :mod:`service.metrics`)."""
    body, content_type = current_app.extensions["textcnn_metrics"].render()
    return Response(body, content_type=content_type)
