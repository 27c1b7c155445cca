"""``GET /openapi.json``: the OpenAPI 3 document of this service (see :mod:`service.openapi`)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from textcnn_service.openapi import openapi_document

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def document():
    """The document, with the limits of this service and the names of the models it serves."""
    names = sorted(current_app.extensions["textcnn"].models())
    return jsonify(openapi_document(current_app.extensions["textcnn_config"], names))
