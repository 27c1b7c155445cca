"""Reading request bodies: JSON only, with every bad input refused as an :class:`ApiError`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Request

from textcnn_service.config import ServiceConfig
from textcnn_service.errors import ApiError

CLASSIFY_FIELDS = ("texts", "text", "images", "top_k", "model", "version")


def type_name(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "integer", float: "number"}.get(type(value), type(value).__name__)


def json_body(request: Request, allow_untyped: bool = False):
    """The parsed JSON body. 415 unless the content type is JSON (or, with `allow_untyped`,
    missing), 413 when too large, 400 when not UTF-8 JSON."""
    mimetype = request.mimetype
    is_json = mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))
    if not is_json and not (allow_untyped and not mimetype):
        raise ApiError(415, "unsupported_media_type",
                       f"The body must be JSON sent as Content-Type: application/json. Received: {mimetype or 'none'}")
    data = request.get_data(cache=True)  # werkzeug raises 413 past MAX_CONTENT_LENGTH
    try:
        text = data.decode(request.mimetype_params.get("charset", "utf-8"))
    except (UnicodeDecodeError, LookupError):
        raise ApiError(400, "malformed_json", "The body is not valid UTF-8") from None
    if not text.strip():
        raise ApiError(400, "malformed_json", "The body is empty; send a JSON object")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ApiError(400, "malformed_json",
                       f"Malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "Malformed JSON: nested too deeply") from None


def json_object(request: Request) -> dict:
    body = json_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", f"The body must be a JSON object. Received: {type_name(body)}")
    return body


def parse_integer(value, name: str, minimum: int | None = None, digits: bool = False) -> int:
    """An integer field: a JSON integer (or, with `digits`, a string of digits, as versions are)."""
    if digits and isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, "invalid_request", f"`{name}` must be an integer. Received: {type_name(value)}")
    if minimum is not None and value < minimum:
        raise ApiError(422, "invalid_value", f"`{name}` must be at least {minimum}. Received: {value}")
    return value


def check_texts(texts, config: ServiceConfig, name: str = "texts", indexed: bool = True) -> list[str]:
    """422 for an empty list, a non-string or an empty text; 413 for too many or too long."""
    if not texts:
        raise ApiError(422, "invalid_texts", f"`{name}` must not be empty")
    if len(texts) > config.max_texts:
        raise ApiError(413, "too_many_texts",
                       f"At most {config.max_texts} texts per request. Received: {len(texts)}")
    for i, text in enumerate(texts):
        where = f"{name}[{i}]" if indexed else name
        if not isinstance(text, str):
            raise ApiError(422, "invalid_texts", f"`{where}` must be a string. Received: {type_name(text)}")
        if not text.strip():
            raise ApiError(422, "invalid_texts", f"`{where}` is empty")
        if len(text) > config.max_text_chars:
            raise ApiError(413, "text_too_long",
                           f"`{where}` has {len(text)} characters; the limit is {config.max_text_chars}")
    return list(texts)


def check_images(images, config: ServiceConfig) -> list:
    """The ``images`` of a request: a non-empty array of base64 strings or arrays of pixels (each
    decoded by the image model, which knows its size); 413 for too many."""
    if not isinstance(images, list):
        raise ApiError(400, "invalid_request",
                       f"`images` must be an array of base64 PNG/JPEG strings or pixel arrays. Received: {type_name(images)}")
    if not images:
        raise ApiError(422, "invalid_images", "`images` must not be empty")
    if len(images) > config.max_texts:
        raise ApiError(413, "too_many_images", f"At most {config.max_texts} images per request. Received: {len(images)}")
    for i, image in enumerate(images):
        if not isinstance(image, (str, list)):
            raise ApiError(422, "invalid_images",
                           f"`images[{i}]` must be a base64 string or an array. Received: {type_name(image)}")
    return images


@dataclass(frozen=True)
class ClassifyRequest:
    """A parsed ``POST /classify`` body: ``{"texts": [...]}``, ``{"text": "..."}`` or, for image
    models, ``{"images": [...]}``, with optional ``top_k``, ``model`` and ``version``."""

    texts: list[str] | None
    top_k: int
    model: str | None = None
    version: int | None = None
    images: list | None = None

    @property
    def inputs(self) -> list:
        return self.images if self.images is not None else self.texts

    def check_kind(self, served) -> None:
        """422 when texts are sent to an image model, or images to a text model."""
        kind = getattr(served, "input_kind", "text")
        if kind == "image" and self.images is None:
            raise ApiError(422, "wrong_input_kind",
                           f"Model {served.name!r} classifies images: send `images` (base64 PNG/JPEG or pixel arrays), not texts")
        if kind == "text" and self.images is not None:
            raise ApiError(422, "wrong_input_kind", f"Model {served.name!r} classifies texts: send `texts`, not images")

    @classmethod
    def parse(cls, request: Request, config: ServiceConfig, model: str | None = None) -> "ClassifyRequest":
        body = json_object(request)
        unknown = sorted(set(body) - set(CLASSIFY_FIELDS))
        if unknown:
            raise ApiError(400, "invalid_request",
                           f"Unknown field(s): {', '.join(unknown)}; expected: {', '.join(CLASSIFY_FIELDS)}")
        if "text" in body and "texts" in body:
            raise ApiError(400, "invalid_request", "Give `text` or `texts`, not both")
        if "images" in body and ("text" in body or "texts" in body):
            raise ApiError(400, "invalid_request", "Give `images` or texts, not both")
        images = None
        texts = None
        if "images" in body:
            images = check_images(body["images"], config)
        elif "texts" in body:
            if not isinstance(body["texts"], list):
                raise ApiError(400, "invalid_request",
                               f"`texts` must be an array of strings. Received: {type_name(body['texts'])}")
            texts = check_texts(body["texts"], config)
        elif "text" in body:
            texts = check_texts([body["text"]], config, name="text", indexed=False)
        else:
            raise ApiError(400, "invalid_request", "The body needs `texts` (an array of strings) or `text` (a string)")
        top_k = config.default_top_k if body.get("top_k") is None else parse_integer(body["top_k"], "top_k", 1)
        named = body.get("model")
        if named is not None and not isinstance(named, str):
            raise ApiError(400, "invalid_request", f"`model` must be a string. Received: {type_name(named)}")
        if model is not None and named is not None and named != model:
            raise ApiError(400, "invalid_request", f"The body names model {named!r} but the URL names {model!r}")
        version = None if body.get("version") is None else parse_integer(body["version"], "version", 0, digits=True)
        return cls(texts, top_k, model if model is not None else named, version, images)


def parse_version(version: str | None) -> int | None:
    """A version from a URL path (``None`` or empty: the served one); 404 unless it is a number."""
    if version is None or version == "":
        return None
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        raise ApiError(404, "version_not_found", f"No version {version!r}: versions are numbers")
    return int(version)
