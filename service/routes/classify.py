"""``POST /classify`` and ``POST /models/<name>/classify``."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from textcnn_service.parsing import ClassifyRequest

bp = Blueprint("classify", __name__)


def _classify(name: str | None):
    config = current_app.extensions["textcnn_config"]
    registry = current_app.extensions["textcnn"]
    parsed = ClassifyRequest.parse(request, config, model=name)

    def classify_with(served):
        parsed.check_kind(served)
        return served.classify(parsed.inputs, top_k=parsed.top_k)

    model, results = registry.call(parsed.model, parsed.version, classify_with)
    g.model_name = model.name
    return jsonify({"model": {"name": model.name, "version": model.version}, "results": results})


@bp.post("/classify")
def classify():
    """Classifies `texts` (or one `text`; `images` for image models) with the named model, or the only one."""
    return _classify(None)


@bp.post("/models/<name>/classify")
def classify_with(name: str):
    """Classifies with the model named in the URL."""
    return _classify(name)
