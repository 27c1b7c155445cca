"""TensorFlow Serving REST compatibility (``/v1``).

    POST /v1/models/<name>[/versions/<v>]:predict    {"instances": [...]} or {"inputs": ...}
    GET  /v1/models/<name>[/versions/<v>]            version status (and KServe v1 model readiness)
    GET  /v1/models/<name>[/versions/<v>]/metadata   signature: input text, output probabilities

An instance is a text or ``{"text": "..."}``; columnar ``inputs`` is a list of texts or
``{"text": [...]}``. The answer has, per text, the probabilities of the labels in the order that
``/metadata`` (and ``GET /models/<name>``) list them: ``{"predictions": [[0.1, 0.9], ...]}``
(``{"outputs": [...]}`` for columnar input). Errors are ``{"error": "message"}``, as TF Serving
answers them.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from textcnn_service.errors import ApiError
from textcnn_service.parsing import check_texts, json_object, parse_version, type_name

bp = Blueprint("tfserving", __name__, url_prefix="/v1")


def _texts_of_instances(instances) -> list:
    if not isinstance(instances, list):
        raise ApiError(400, "invalid_request", f"`instances` must be an array. Received: {type_name(instances)}")
    texts = []
    for i, instance in enumerate(instances):
        if isinstance(instance, dict):
            if set(instance) != {"text"}:
                raise ApiError(400, "invalid_request", f"`instances[{i}]` must have exactly one input, `text`")
            instance = instance["text"]
        texts.append(instance)
    return texts


def _texts_of_inputs(inputs) -> list:
    if isinstance(inputs, dict):
        if set(inputs) != {"text"}:
            raise ApiError(400, "invalid_request", "`inputs` must have exactly one input, `text`")
        inputs = inputs["text"]
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list):
        raise ApiError(400, "invalid_request", f"`inputs` must be an array of texts. Received: {type_name(inputs)}")
    return inputs


@bp.post("/models/<name>:predict")
@bp.post("/models/<name>/versions/<version>:predict")
def predict(name: str, version: str | None = None):
    """TensorFlow Serving's predict API."""
    config = current_app.extensions["textcnn_config"]
    registry = current_app.extensions["textcnn"]
    body = json_object(request)
    signature = body.get("signature_name", "serving_default")
    if signature != "serving_default":
        raise ApiError(400, "invalid_request", f"Unknown signature_name {signature!r}; the only one is 'serving_default'")
    if ("instances" in body) == ("inputs" in body):
        raise ApiError(400, "invalid_request", "The body needs exactly one of `instances` (rows) or `inputs` (columns)")
    row_format = "instances" in body
    raw = _texts_of_instances(body["instances"]) if row_format else _texts_of_inputs(body["inputs"])
    texts = check_texts(raw, config, name="instances" if row_format else "inputs")
    version = parse_version(version)
    model, probabilities = registry.call(name, version, lambda served: served.predict_proba(texts))
    g.model_name = model.name
    return jsonify({"predictions" if row_format else "outputs": probabilities.tolist()})


@bp.get("/models/<name>")
@bp.get("/models/<name>/versions/<version>")
def status(name: str, version: str | None = None):
    """The served version's state, as TensorFlow Serving reports it (with KServe v1's ``name`` and
    ``ready`` beside it: the same URL is KServe v1's model readiness)."""
    model = current_app.extensions["textcnn"].get(name, parse_version(version))
    g.model_name = model.name
    return jsonify({"model_version_status": [
        {"version": str(model.version), "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}],
        "name": model.name, "ready": model.warm})


@bp.get("/models/<name>/metadata")
@bp.get("/models/<name>/versions/<version>/metadata")
def metadata(name: str, version: str | None = None):
    """The serving signature: one string input ``text``, one float output ``probabilities``."""
    model = current_app.extensions["textcnn"].get(name, parse_version(version))
    g.model_name = model.name
    signature = {
        "inputs": {"text": {"dtype": "DT_STRING", "tensor_shape": {"dim": [{"size": "-1"}]}, "name": "text"}},
        "outputs": {"probabilities": {"dtype": "DT_FLOAT", "name": "probabilities", "tensor_shape": {
            "dim": [{"size": "-1"}, {"size": str(len(model.labels))}]}}},
        "method_name": "tensorflow/serving/predict",
    }
    return jsonify({"model_spec": {"name": model.name, "signature_name": "", "version": str(model.version)},
                    "metadata": {"signature_def": {"signature_def": {"serving_default": signature}},
                                 "labels": model.labels}})
