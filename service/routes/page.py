"""``GET /``: a page to try the served models in a browser (its script and style are in
``service/static/``; nothing is loaded from elsewhere)."""

from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("page", __name__)


@bp.get("/")
def index():
    """The page: pick a model, type sentences (or drop images), see the labels with probability bars."""
    response = current_app.send_static_file("index.html")
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response
