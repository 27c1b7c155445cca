"""``GET /healthz`` (the process answers) and ``GET /readyz`` (every model loaded and warmed)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: 200 while the process can answer at all."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Readiness: 200 once the models are loaded and warmed, 503 before (and while shutting down)."""
    registry = current_app.extensions["textcnn"]
    models = {name: model.version for name, model in sorted(registry.models().items())}
    if registry.ready:
        return jsonify({"status": "ready", "models": models})
    if registry.loading:
        reason = "models are loading"
    elif registry.load_error:
        reason = f"loading models failed: {registry.load_error}"
    else:
        reason = f"no model could be loaded from {registry.models_dir}"
    response = jsonify({"status": "not_ready", "reason": reason, "models": models})
    response.status_code = 503
    response.headers["Retry-After"] = "1"
    return response
