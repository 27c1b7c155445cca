"""The OpenAPI 3 document of the service, built from its configuration and the models it serves.

The limits (texts per request, characters per text) come from the :class:`ServiceConfig`, and the
``name`` path parameters list the served models, so the document says what this service accepts.
``GET /openapi.json`` serves it; ``tests/service/test_service_openapi.py`` fuzzes the service from
it with schemathesis.

Example:
>>> openapi_document(ServiceConfig.load(environ={}), ["mr"])["paths"]["/classify"]["post"]["summary"]
'Classify texts with the named model, or the only one'
"""

from __future__ import annotations

from textcnn import __version__

from textcnn_service.config import ServiceConfig

JSON = "application/json"
# The statuses an endpoint that reads a body may refuse it with.
BODY_ERRORS = ("400", "404", "405", "413", "415", "422", "503")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {JSON: {"schema": schema}}}


def _responses(ok: dict, error: str, statuses=("404", "503"), ok_status: str = "200") -> dict:
    responses = {ok_status: {"description": "OK", **ok}}
    for status in statuses:
        responses[status] = {"description": "Refused", **_json(_ref(error))}
    return responses


def _operation(summary: str, ok: dict, error: str = "Error", statuses=("404", "503"), body: dict | None = None,
               parameters=()) -> dict:
    operation = {"summary": summary, "parameters": list(parameters), "responses": _responses(ok, error, statuses)}
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    return operation


def _schemas(config: ServiceConfig, names: list[str]) -> dict:
    text = {"type": "string", "minLength": 1, "maxLength": config.max_text_chars, "pattern": r"\S"}
    texts = {"type": "array", "items": text, "minItems": 1, "maxItems": config.max_texts}
    # Image models: base64 PNG/JPEG, or pixels as nested arrays (H x W or H x W x C).
    images = {"type": "array", "minItems": 1, "maxItems": config.max_texts, "items": {"oneOf": [
        {"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png"},
        {"type": "array", "items": {"type": "array"}}]}}
    score = {"type": "object", "required": ["label", "score"], "additionalProperties": False,
             "properties": {"label": {"type": "string"}, "score": {"type": "number"}}}
    probabilities = {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}
    tensor = {"type": "object", "required": ["name", "datatype", "shape"],
              "properties": {"name": {"type": "string"}, "datatype": {"type": "string"},
                             "shape": {"type": "array", "items": {"type": "integer"}},
                             "data": {"type": "array"}, "parameters": {"type": "object"}}}
    return {
        "Error": {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {
            "error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                      "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
        "ProtocolError": {"type": "object", "required": ["error"], "additionalProperties": False,
                          "properties": {"error": {"type": "string"}}},
        "ClassifyRequest": {"type": "object", "additionalProperties": False, "properties": {
            "texts": texts, "text": text, "images": images, "top_k": {"type": "integer", "minimum": 1},
            "model": {"type": "string", "enum": names} if names else {"type": "string"},
            "version": {"type": "integer", "minimum": 0}},
            "oneOf": [{"required": [one], "not": {"anyOf": [{"required": [other]} for other in ("texts", "text", "images")
                                                            if other != one]}}
                      for one in ("texts", "text", "images")]},
        "ClassifyResponse": {"type": "object", "required": ["model", "results"], "properties": {
            "model": {"type": "object", "required": ["name", "version"],
                      "properties": {"name": {"type": "string"}, "version": {"type": "integer"}}},
            "results": {"type": "array", "items": {
                "type": "object", "required": ["label", "score", "top_k"],
                "properties": {"label": {"type": "string"}, "score": {"type": "number"},
                               "top_k": {"type": "array", "items": score, "minItems": 1}}}}}},
        "ModelList": {"type": "object", "required": ["models"], "properties": {"models": {"type": "array", "items": {
            "type": "object", "required": ["name", "version", "labels", "versions"],
            "properties": {"name": {"type": "string"}, "version": {"type": "integer"},
                           "labels": {"type": "array", "items": {"type": "string"}},
                           "versions": {"type": "array", "items": {"type": "integer"}}}}}}},
        "ModelDescription": {"type": "object", "required": ["name", "version", "labels", "versions"],
                             "properties": {"name": {"type": "string"}, "version": {"type": "integer"},
                                            "labels": {"type": "array", "items": {"type": "string"}},
                                            "versions": {"type": "array", "items": {"type": "integer"}}}},
        "Health": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
        "PredictRequest": {"type": "object", "additionalProperties": False, "properties": {
            "signature_name": {"type": "string", "enum": ["serving_default"]},
            "instances": {"type": "array", "minItems": 1, "maxItems": config.max_texts, "items": {"oneOf": [
                text, {"type": "object", "required": ["text"], "additionalProperties": False,
                       "properties": {"text": text}}]}},
            "inputs": {"oneOf": [text, texts, {"type": "object", "required": ["text"], "additionalProperties": False,
                                               "properties": {"text": {"oneOf": [text, texts]}}}]}},
            "oneOf": [{"required": ["instances"], "not": {"required": ["inputs"]}},
                      {"required": ["inputs"], "not": {"required": ["instances"]}}]},
        "PredictResponse": {"type": "object", "minProperties": 1, "maxProperties": 1,
                            "properties": {"predictions": probabilities, "outputs": probabilities}},
        "ModelStatus": {"type": "object", "required": ["model_version_status"],
                        "properties": {"model_version_status": {"type": "array", "items": {"type": "object"}}}},
        "SignatureMetadata": {"type": "object", "required": ["model_spec", "metadata"]},
        "InferRequest": {"type": "object", "required": ["inputs"], "properties": {
            "id": {"type": "string"}, "parameters": {"type": "object"},
            "inputs": {"type": "array", "items": tensor, "minItems": 1, "maxItems": 1},
            "outputs": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "enum": ["probabilities", "label"]}, "parameters": {"type": "object"}}}}}},
        "InferResponse": {"type": "object", "required": ["model_name", "model_version", "outputs"], "properties": {
            "model_name": {"type": "string"}, "model_version": {"type": "string"}, "id": {"type": "string"},
            "outputs": {"type": "array", "items": tensor}}},
        "ServerMetadata": {"type": "object", "required": ["name", "version", "extensions"]},
        "Live": {"type": "object", "required": ["live"], "properties": {"live": {"type": "boolean"}}},
        "Ready": {"type": "object", "required": ["ready"], "properties": {"ready": {"type": "boolean"}}},
        "TensorMetadata": {"type": "object", "required": ["name", "versions", "platform", "inputs", "outputs"]},
        "TextClassificationRequest": {"type": "object", "required": ["inputs"], "properties": {
            "inputs": {"oneOf": [text, texts]},
            "parameters": {"type": "object", "additionalProperties": False, "properties": {
                "top_k": {"type": "integer", "minimum": 1}, "function_to_apply": {"type": "string", "enum": ["softmax"]}}}}},
        "TextClassificationResponse": {"type": "array", "items": {"type": "array", "items": score}},
    }


def openapi_document(config: ServiceConfig, names: list[str]) -> dict:
    """The OpenAPI 3.0 document of a service with `config` serving the models `names`."""
    name = {"name": "name", "in": "path", "required": True, "description": "a served model",
            "schema": {"type": "string", "enum": list(names)} if names else
            {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"}}
    version = {"name": "version", "in": "path", "required": True, "description": "a version number",
               "schema": {"type": "string", "pattern": r"^[0-9]{1,9}$"}}
    classified = _json(_ref("ClassifyResponse"))
    body_errors = BODY_ERRORS

    def versioned(path: str, operation: dict, suffix: str = "") -> dict:
        """`path` + `suffix` and `path`/versions/{version} + `suffix`, the second taking a version."""
        with_version = {method: {**op, "parameters": op["parameters"] + [version]} for method, op in operation.items()}
        return {path + suffix: operation, f"{path}/versions/{{version}}{suffix}": with_version}

    paths = {
        "/": {"get": {"summary": "A page to try the models in a browser; KServe v1 liveness for JSON clients",
                      "parameters": [], "responses": {"200": {"description": "OK", "content": {
                          "text/html": {"schema": {"type": "string"}},
                          JSON: {"schema": {"type": "object", "required": ["status"],
                                            "properties": {"status": {"type": "string", "enum": ["alive"]}}}}}}}}},
        "/openapi.json": {"get": _operation("This document", _json({"type": "object"}), statuses=())},
        "/classify": {"post": _operation("Classify texts with the named model, or the only one", classified,
                                         statuses=body_errors, body=_ref("ClassifyRequest"))},
        "/models/{name}/classify": {"post": _operation("Classify texts with the model in the URL", classified,
                                                       statuses=body_errors, body=_ref("ClassifyRequest"),
                                                       parameters=[name])},
        "/models": {"get": _operation("The served models", _json(_ref("ModelList")), statuses=())},
        "/models/{name}": {"get": _operation("A model's versions, labels, vocabulary, embeddings and evaluation",
                                             _json(_ref("ModelDescription")), parameters=[name])},
        "/healthz": {"get": _operation("Liveness", _json(_ref("Health")), statuses=())},
        "/readyz": {"get": _operation("Readiness: 503 until every model is loaded and warm",
                                      _json(_ref("Health")), statuses=())},
        "/metrics": {"get": _operation("Prometheus metrics of every worker",
                                       {"content": {"text/plain": {"schema": {"type": "string"}}}}, statuses=())},
        "/v2": {"get": _operation("Open Inference Protocol: server metadata", _json(_ref("ServerMetadata")),
                                  "ProtocolError", statuses=())},
        "/v2/health/live": {"get": _operation("Open Inference Protocol: liveness", _json(_ref("Live")),
                                              "ProtocolError", statuses=())},
        "/v2/health/ready": {"get": _operation("Open Inference Protocol: readiness", _json(_ref("Ready")),
                                               "ProtocolError", statuses=("503",))},
    }
    paths["/readyz"]["get"]["responses"]["503"] = {"description": "Not ready", **_json(_ref("Health"))}
    paths.update(versioned("/v1/models/{name}", {"post": _operation(
        "TensorFlow Serving predict", _json(_ref("PredictResponse")), "ProtocolError", body_errors,
        _ref("PredictRequest"), [name])}, ":predict"))
    paths.update(versioned("/v1/models/{name}", {"get": _operation(
        "TensorFlow Serving model status", _json(_ref("ModelStatus")), "ProtocolError", parameters=[name])}))
    paths.update(versioned("/v1/models/{name}", {"get": _operation(
        "TensorFlow Serving signature metadata", _json(_ref("SignatureMetadata")), "ProtocolError",
        parameters=[name])}, "/metadata"))
    paths.update(versioned("/v2/models/{name}", {"get": _operation(
        "Open Inference Protocol: model metadata", _json(_ref("TensorMetadata")), "ProtocolError",
        parameters=[name])}))
    paths.update(versioned("/v2/models/{name}", {"get": _operation(
        "Open Inference Protocol: model readiness", _json(_ref("Ready")), "ProtocolError", parameters=[name])},
        "/ready"))
    infer = _operation("Open Inference Protocol: inference (JSON; Triton's binary extension also accepted)",
                       _json(_ref("InferResponse")), "ProtocolError", body_errors, _ref("InferRequest"), [name])
    paths.update(versioned("/v2/models/{name}", {"post": infer}, "/infer"))
    paths.update(versioned("/hf/models/{name}", {"post": _operation(
        "Hugging Face text classification", _json(_ref("TextClassificationResponse")), "ProtocolError",
        body_errors, _ref("TextClassificationRequest"), [name])}))
    return {
        "openapi": "3.0.3",
        "info": {"title": "textcnn prediction service", "version": __version__,
                 "description": "Sentence classification with convolutional networks; see the README."},
        "paths": paths,
        "components": {"schemas": _schemas(config, list(names))},
    }
