"""Open Inference Protocol (KServe v2, Triton's HTTP API), with Triton's binary tensor extension.

    GET  /v2                                          server metadata
    GET  /v2/health/live, /v2/health/ready            liveness, readiness
    GET  /v2/models/<name>[/versions/<v>]             model metadata
    GET  /v2/models/<name>[/versions/<v>]/ready       model readiness
    POST /v2/models/<name>[/versions/<v>]/infer       inference

The model takes one input, ``text`` (BYTES, shape ``[n]`` or ``[n, 1]``, UTF-8), and gives two
outputs: ``probabilities`` (FP32, ``[n, labels]``, labels in the metadata's order) and ``label``
(BYTES, ``[n]``). Tensors travel as JSON, or as binary data after the JSON header
(``Inference-Header-Content-Length``; BYTES elements as a 4-byte little-endian length and the
bytes), as ``tritonclient.http`` sends and expects them. Errors are ``{"error": "message"}``, as
KServe and Triton answer them.
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
from flask import Blueprint, Response, current_app, g, jsonify, request

from textcnn import __version__

from textcnn_service.errors import ApiError
from textcnn_service.parsing import check_texts, json_body, parse_version, type_name

bp = Blueprint("v2", __name__, url_prefix="/v2")

HEADER_LENGTH = "Inference-Header-Content-Length"
INPUT = "text"
OUTPUTS = ("probabilities", "label")


@bp.get("")
def server_metadata():
    return jsonify({"name": "textcnn", "version": __version__, "extensions": ["binary_tensor_data"]})


@bp.get("/health/live")
def live():
    return jsonify({"live": True})


@bp.get("/health/ready")
def ready():
    ready_ = current_app.extensions["textcnn"].ready
    response = jsonify({"ready": ready_})
    response.status_code = 200 if ready_ else 503
    return response


@bp.get("/models/<name>")
@bp.get("/models/<name>/versions/<version>")
def model_metadata(name: str, version: str | None = None):
    model = current_app.extensions["textcnn"].get(name, parse_version(version))
    g.model_name = model.name
    return jsonify({
        "name": model.name, "versions": [str(model.version)], "platform": "textcnn",
        "inputs": [{"name": INPUT, "datatype": "BYTES", "shape": [-1]}],
        "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, len(model.labels)]},
                    {"name": "label", "datatype": "BYTES", "shape": [-1]}],
        "parameters": {"labels": model.labels},
    })


@bp.get("/models/<name>/ready")
@bp.get("/models/<name>/versions/<version>/ready")
def model_ready(name: str, version: str | None = None):
    model = current_app.extensions["textcnn"].get(name, parse_version(version))
    g.model_name = model.name
    return jsonify({"name": model.name, "ready": model.warm})


# -- inference -------------------------------------------------------------------------------------------

def _body(config) -> tuple[dict, bytes]:
    """The JSON header and the binary part of an inference request."""
    header_length = request.headers.get(HEADER_LENGTH)
    if header_length is None:
        body = json_body(request, allow_untyped=True)  # tritonclient sends no Content-Type
        binary = b""
    else:
        mimetype = request.mimetype
        if mimetype and mimetype not in ("application/octet-stream", "application/json"):
            raise ApiError(415, "unsupported_media_type",
                           f"A binary inference request must be application/octet-stream. Received: {mimetype}")
        data = _decoded(request.get_data(cache=True), config.max_body_bytes)
        if not (header_length.isascii() and header_length.isdigit()) or int(header_length) > len(data):
            raise ApiError(400, "invalid_request",
                           f"{HEADER_LENGTH} must be a length within the body ({len(data)} bytes). Received: {header_length}")
        size = int(header_length)
        try:
            body = json.loads(data[:size].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "malformed_json", "Malformed JSON in the inference header") from None
        binary = data[size:]
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", f"The body must be a JSON object. Received: {type_name(body)}")
    return body, binary


def _decoded(data: bytes, limit: int) -> bytes:
    encoding = request.headers.get("Content-Encoding", "identity").lower()
    if encoding in ("identity", ""):
        return data
    if encoding not in ("gzip", "deflate"):
        raise ApiError(415, "unsupported_media_type", f"Unsupported Content-Encoding: {encoding}")
    inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise ApiError(400, "invalid_request", f"The body is not valid {encoding} data") from None
    if len(out) > limit:
        raise ApiError(413, "payload_too_large", f"The decompressed body is larger than the limit of {limit} bytes")
    return out


def _input_texts(body: dict, binary: bytes, config) -> list:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        raise ApiError(400, "invalid_request", f"`inputs` must hold exactly one tensor, `{INPUT}`")
    tensor = inputs[0]
    if tensor.get("name") != INPUT:
        raise ApiError(400, "invalid_request", f"Unknown input {tensor.get('name')!r}; the model's input is '{INPUT}'")
    if tensor.get("datatype") != "BYTES":
        raise ApiError(400, "invalid_request", f"Input '{INPUT}' must be BYTES. Received: {tensor.get('datatype')!r}")
    shape = tensor.get("shape")
    if (not isinstance(shape, list) or not 1 <= len(shape) <= 2 or
            not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape) or
            (len(shape) == 2 and shape[1] != 1)):
        raise ApiError(400, "invalid_request", f"Input '{INPUT}' must have shape [n] or [n, 1]. Received: {shape!r}")
    count = shape[0]
    if count > config.max_texts:
        raise ApiError(413, "too_many_texts", f"At most {config.max_texts} texts per request. Received: {count}")
    parameters = tensor.get("parameters") or {}
    if "binary_data_size" in parameters:
        size = parameters["binary_data_size"]
        if not isinstance(size, int) or size != len(binary):
            raise ApiError(400, "invalid_request",
                           f"binary_data_size of '{INPUT}' is {size!r} but {len(binary)} bytes follow the header")
        texts = _unpack_bytes(binary, count)
    else:
        data = tensor.get("data")
        if not isinstance(data, list):
            raise ApiError(400, "invalid_request", f"Input '{INPUT}' needs `data` (an array) or binary data")
        texts = [item for row in data for item in (row if isinstance(row, list) else [row])]
        if len(texts) != count:
            raise ApiError(400, "invalid_request",
                           f"Input '{INPUT}' has shape {shape} but {len(texts)} elements")
    return check_texts(texts, config, name=INPUT)


def _unpack_bytes(binary: bytes, count: int) -> list:
    texts, offset = [], 0
    for i in range(count):
        if offset + 4 > len(binary):
            raise ApiError(400, "invalid_request", f"The binary data of '{INPUT}' ends before element {i}")
        (length,) = struct.unpack_from("<I", binary, offset)
        offset += 4
        if offset + length > len(binary):
            raise ApiError(400, "invalid_request", f"The binary data of '{INPUT}' ends inside element {i}")
        try:
            texts.append(binary[offset: offset + length].decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError(422, "invalid_texts", f"`{INPUT}[{i}]` is not valid UTF-8") from None
        offset += length
    if offset != len(binary):
        raise ApiError(400, "invalid_request", f"The binary data of '{INPUT}' holds more than {count} elements")
    return texts


def _requested_outputs(body: dict) -> dict[str, bool]:
    """Output name -> as binary data?"""
    parameters = body.get("parameters") or {}
    all_binary = bool(parameters.get("binary_data_output", False))
    outputs = body.get("outputs")
    if outputs is None:
        return {name: all_binary for name in OUTPUTS}
    if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
        raise ApiError(400, "invalid_request", "`outputs` must be an array of objects")
    requested = {}
    for output in outputs:
        name = output.get("name")
        if name not in OUTPUTS:
            raise ApiError(400, "invalid_request", f"Unknown output {name!r}; outputs: {', '.join(OUTPUTS)}")
        requested[name] = bool((output.get("parameters") or {}).get("binary_data", all_binary))
    return requested


@bp.post("/models/<name>/infer")
@bp.post("/models/<name>/versions/<version>/infer")
def infer(name: str, version: str | None = None):
    config = current_app.extensions["textcnn_config"]
    registry = current_app.extensions["textcnn"]
    body, binary = _body(config)
    texts = _input_texts(body, binary, config)
    requested = _requested_outputs(body)
    model, probabilities = registry.call(name, parse_version(version), lambda served: served.predict_proba(texts))
    g.model_name = model.name
    labels = [model.labels[j] for j in probabilities.argmax(axis=1)]
    tensors = {"probabilities": ("FP32", list(probabilities.shape), probabilities),
               "label": ("BYTES", [len(texts)], labels)}
    outputs, blobs = [], []
    for output_name, as_binary in requested.items():
        datatype, shape, value = tensors[output_name]
        entry = {"name": output_name, "datatype": datatype, "shape": shape}
        if as_binary:
            blob = (np.asarray(value, dtype="<f4").tobytes() if datatype == "FP32" else
                    b"".join(struct.pack("<I", len(b)) + b for b in (s.encode("utf-8") for s in value)))
            entry["parameters"] = {"binary_data_size": len(blob)}
            blobs.append(blob)
        else:
            entry["data"] = value.reshape(-1).tolist() if datatype == "FP32" else value
        outputs.append(entry)
    result = {"model_name": model.name, "model_version": str(model.version), "outputs": outputs}
    if "id" in body:
        result["id"] = body["id"]
    if not blobs:
        return jsonify(result)
    header = json.dumps(result, ensure_ascii=False).encode("utf-8")
    response = Response(header + b"".join(blobs), content_type="application/octet-stream")
    response.headers[HEADER_LENGTH] = str(len(header))
    return response
