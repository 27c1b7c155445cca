"""The one error type of the service, and its one JSON shape.

Every request the service refuses ends as ``{"error": {"code": "...", "message": "..."}}`` with a
4xx (or 503) status; :func:`register_error_handlers` maps werkzeug's HTTP errors (404, 405, 413,
...) and anything unexpected (500) to the same shape. Under the protocol prefixes (TensorFlow
Serving ``/v1``, Open Inference ``/v2``, Hugging Face ``/hf``) the same error takes those
protocols' own shape, ``{"error": "message"}``, which their clients read.
"""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("textcnn.service")

# werkzeug's status -> our error code.
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "payload_too_large", 415: "unsupported_media_type", 503: "unavailable"}

# Paths of the protocols whose errors are ``{"error": "message"}``.
PROTOCOL_PREFIXES = ("/v1/", "/v2/", "/hf/")


class ApiError(Exception):
    """A refused request: an HTTP `status`, a stable machine-readable `code`, a one-line `message`.

    Example:
    >>> raise ApiError(404, "model_not_found", "No model named 'sst9'. Models: sst2")
    """

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def to_dict(self, protocol: bool = False) -> dict:
        """Our shape, or with `protocol` the TF Serving / KServe / Hugging Face one."""
        if protocol:
            return {"error": self.message}
        return {"error": {"code": self.code, "message": self.message}}


def speaks_protocol() -> bool:
    """Whether the current request is under a protocol prefix (see :data:`PROTOCOL_PREFIXES`)."""
    return has_request_context() and (request.path + "/").startswith(PROTOCOL_PREFIXES)


def error_response(error: ApiError):
    response = jsonify(error.to_dict(protocol=speaks_protocol()))
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        message = {
            404: "No such endpoint",
            405: "Method not allowed; allowed: " + ", ".join(sorted(getattr(error, "valid_methods", None) or [])),
            413: "The request body is larger than the limit",
        }.get(error.code, error.description or error.name)
        headers = {}
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        if error.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"The request body is larger than the limit of {limit} bytes" if limit else message
        code = _HTTP_CODES.get(error.code, "http_error")
        return error_response(ApiError(error.code or 500, code, message, headers))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("internal error")
        return error_response(ApiError(500, "internal", f"Internal error ({type(error).__name__})"))
