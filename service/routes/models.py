"""``GET /models`` and ``GET /models/<name>``: what is served, and what it was trained on."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

bp = Blueprint("models", __name__)


@bp.get("/models")
def list_models():
    """Every served model: name, version, labels."""
    registry = current_app.extensions["textcnn"]
    return jsonify({"models": [
        {"name": name, "version": model.version, "labels": model.labels,
         "versions": registry.versions_on_disk(name) or [model.version]}
        for name, model in sorted(registry.models().items())
    ]})


@bp.get("/models/<name>")
def describe_model(name: str):
    """One model: its versions, labels, vocabulary, embeddings and stored evaluation."""
    registry = current_app.extensions["textcnn"]
    model = registry.get(name)
    g.model_name = model.name
    rejected = {str(version): reason for (rejected_name, version), (_, reason) in dict(registry.rejected).items()
                if rejected_name == name}
    return jsonify({**model.describe(), "versions": registry.versions_on_disk(name) or [model.version],
                    "rejected_versions": rejected})
