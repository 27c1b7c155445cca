"""Hugging Face's text-classification task (``/hf``), as ``huggingface_hub.InferenceClient`` speaks
it to the URL of an Inference Endpoint.

    POST /hf/models/<name>[/versions/<v>]   {"inputs": "text" or ["text", ...], "parameters": {"top_k": 2}}

answers, per text, the labels and their probabilities, best first (every label unless
``top_k``): ``[[{"label": "positive", "score": 0.93}, {"label": "negative", "score": 0.07}]]``.

Example:
>>> from huggingface_hub import InferenceClient
>>> InferenceClient(model="http://127.0.0.1:8080/hf/models/mr").text_classification("a joy to watch")
[TextClassificationOutputElement(label='positive', score=0.93), ...]
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from textcnn_service.errors import ApiError
from textcnn_service.parsing import check_texts, json_object, parse_integer, parse_version, type_name

bp = Blueprint("huggingface", __name__, url_prefix="/hf")

PARAMETERS = ("top_k", "function_to_apply")


def _parameters(body: dict) -> int | None:
    """The requested `top_k` (``None``: every label); only softmax scores are served."""
    parameters = {} if body.get("parameters") is None else body["parameters"]
    if not isinstance(parameters, dict):
        raise ApiError(400, "invalid_request", f"`parameters` must be an object. Received: {type_name(parameters)}")
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise ApiError(400, "invalid_request",
                       f"Unknown parameter(s): {', '.join(unknown)}; known: {', '.join(PARAMETERS)}")
    function = parameters.get("function_to_apply")
    if function not in (None, "softmax"):
        raise ApiError(400, "invalid_request", f"Only `function_to_apply` 'softmax' is served. Received: {function!r}")
    top_k = parameters.get("top_k")
    return None if top_k is None else parse_integer(top_k, "top_k", 1)


@bp.post("/models/<name>")
@bp.post("/models/<name>/versions/<version>")
def text_classification(name: str, version: str | None = None):
    """The text-classification task: a list of ``{"label", "score"}`` per text."""
    config = current_app.extensions["textcnn_config"]
    body = json_object(request)
    if "inputs" not in body:
        raise ApiError(400, "invalid_request", "The body needs `inputs`: a text or an array of texts")
    inputs = body["inputs"]
    texts = check_texts(inputs if isinstance(inputs, list) else [inputs], config, name="inputs",
                        indexed=isinstance(inputs, list))
    top_k = _parameters(body)
    model, results = current_app.extensions["textcnn"].call(
        name, parse_version(version), lambda served: served.classify(texts, top_k=top_k or len(served.labels)))
    g.model_name = model.name
    return jsonify([result["top_k"] for result in results])
