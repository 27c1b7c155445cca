"""``GET /``: a page to try the served models in a browser (its script and style are in
``service/static/``; nothing is loaded from elsewhere). A client that prefers JSON to HTML gets
KServe v1's liveness answer there instead, ``{"status": "alive"}`` (so does one that sends no
``Accept``, like ``curl``)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

bp = Blueprint("page", __name__)


@bp.get("/")
def index():
    """The page: pick a model, type sentences (or drop images), see the labels with probability bars."""
    if request.accept_mimetypes.best_match(["application/json", "text/html"], "application/json") == "application/json":
        return jsonify({"status": "alive"})
    response = current_app.send_static_file("index.html")
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response
