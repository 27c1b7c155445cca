"""TensorFlow Serving REST (/v1) and Open Inference Protocol (/v2) compatibility; /v2 also through
the real ``tritonclient.http`` over HTTP, binary tensor extension included."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest

TEXTS = ["a joy to watch", "a dull and boring mess", "😀 mixed スクリプト"]


def error_of(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["code"] == code and response.get_json()["error"]["message"]


# -- TensorFlow Serving ----------------------------------------------------------------------------------

def test_tfserving_predict_rows_and_columns(client, classifier):
    expected = classifier.predict_proba(TEXTS)
    rows = client.post("/v1/models/toy:predict", json={"instances": [TEXTS[0], {"text": TEXTS[1]}, TEXTS[2]]})
    assert rows.status_code == 200
    np.testing.assert_allclose(rows.get_json()["predictions"], expected, rtol=1e-5, atol=1e-6)
    columns = client.post("/v1/models/toy/versions/1:predict",
                          json={"signature_name": "serving_default", "inputs": {"text": TEXTS}})
    np.testing.assert_allclose(columns.get_json()["outputs"], expected, rtol=1e-5, atol=1e-6)


def test_tfserving_status_and_metadata(client):
    assert client.get("/v1/models/toy").get_json() == {"model_version_status": [
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}
    metadata = client.get("/v1/models/toy/versions/1/metadata").get_json()
    assert metadata["model_spec"] == {"name": "toy", "signature_name": "", "version": "1"}
    assert metadata["metadata"]["labels"] == ["negative", "positive"]


@pytest.mark.parametrize("path, body, status, code, message", [
    ("/v1/models/toy:predict", {"instances": "a"}, 400, "invalid_request", "`instances` must be an array. Received: string"),
    ("/v1/models/toy:predict", {"instances": ["a"], "inputs": ["b"]}, 400, "invalid_request",
     "The body needs exactly one of `instances` (rows) or `inputs` (columns)"),
    ("/v1/models/toy:predict", {"instances": [{"txt": "a"}]}, 400, "invalid_request",
     "`instances[0]` must have exactly one input, `text`"),
    ("/v1/models/toy:predict", {"instances": [3]}, 422, "invalid_texts", "`instances[0]` must be a string. Received: integer"),
    ("/v1/models/toy:predict", {"instances": []}, 422, "invalid_texts", "`instances` must not be empty"),
    ("/v1/models/toy:predict", {"instances": ["a"], "signature_name": "x"}, 400, "invalid_request",
     "Unknown signature_name 'x'; the only one is 'serving_default'"),
    ("/v1/models/nope:predict", {"instances": ["a"]}, 404, "model_not_found", "No model named 'nope'. Models: toy"),
    ("/v1/models/toy/versions/9:predict", {"instances": ["a"]}, 404, "version_not_found",
     "Model 'toy' has no version 9 loaded; it serves version 1"),
])
def test_tfserving_errors(client, path, body, status, code, message):
    assert error_of(client.post(path, json=body), status, code) == message


# -- Open Inference Protocol, JSON --------------------------------------------------------------------------

def test_v2_health_and_metadata(client):
    assert client.get("/v2").get_json() == {"name": "textcnn", "version": "0.1.0", "extensions": ["binary_tensor_data"]}
    assert client.get("/v2/health/live").get_json() == {"live": True}
    assert client.get("/v2/health/ready").get_json() == {"ready": True}
    assert client.get("/v2/models/toy/ready").get_json() == {"name": "toy", "ready": True}
    assert client.get("/v2/models/toy/versions/1/ready").status_code == 200
    metadata = client.get("/v2/models/toy").get_json()
    assert metadata["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    assert metadata["outputs"][0] == {"name": "probabilities", "datatype": "FP32", "shape": [-1, 2]}
    assert error_of(client.get("/v2/models/toy/versions/3"), 404, "version_not_found")


def test_v2_infer_json(client, classifier):
    request = {"id": "42", "inputs": [{"name": "text", "datatype": "BYTES", "shape": [3, 1], "data": [[t] for t in TEXTS]}],
               "outputs": [{"name": "probabilities"}, {"name": "label"}]}
    body = client.post("/v2/models/toy/versions/1/infer", json=request).get_json()
    assert body["model_name"] == "toy" and body["model_version"] == "1" and body["id"] == "42"
    probabilities, labels = body["outputs"]
    assert probabilities["shape"] == [3, 2] and probabilities["datatype"] == "FP32"
    np.testing.assert_allclose(np.reshape(probabilities["data"], (3, 2)), classifier.predict_proba(TEXTS),
                               rtol=1e-5, atol=1e-6)
    assert labels == {"name": "label", "datatype": "BYTES", "shape": [3],
                      "data": [ranked[0][0] for ranked in classifier.predict(TEXTS)]}


def test_v2_infer_binary_request_and_response_gzipped(client, classifier):
    blob = b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in TEXTS)
    header = json.dumps({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [3],
                                     "parameters": {"binary_data_size": len(blob)}}],
                         "parameters": {"binary_data_output": True}}).encode()
    response = client.post("/v2/models/toy/infer", data=gzip.compress(header + blob),
                           headers={"Inference-Header-Content-Length": str(len(header)), "Content-Encoding": "gzip"},
                           content_type="application/octet-stream")
    assert response.status_code == 200
    size = int(response.headers["Inference-Header-Content-Length"])
    result = json.loads(response.data[:size])
    sizes = [o["parameters"]["binary_data_size"] for o in result["outputs"]]
    probabilities = np.frombuffer(response.data[size: size + sizes[0]], dtype="<f4").reshape(3, 2)
    np.testing.assert_allclose(probabilities, classifier.predict_proba(TEXTS), rtol=1e-5, atol=1e-6)
    assert len(response.data) == size + sum(sizes)


@pytest.mark.parametrize("body, headers, status, code, message", [
    ({"inputs": [{"name": "txt", "datatype": "BYTES", "shape": [1], "data": ["a"]}]}, {}, 400, "invalid_request",
     "Unknown input 'txt'; the model's input is 'text'"),
    ({"inputs": [{"name": "text", "datatype": "FP32", "shape": [1], "data": [1.0]}]}, {}, 400, "invalid_request",
     "Input 'text' must be BYTES. Received: 'FP32'"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [2], "data": ["a"]}]}, {}, 400, "invalid_request",
     "Input 'text' has shape [2] but 1 elements"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1, 2], "data": ["a", "b"]}]}, {}, 400,
     "invalid_request", "Input 'text' must have shape [n] or [n, 1]. Received: [1, 2]"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": [""]}]}, {}, 422, "invalid_texts",
     "`text[0]` is empty"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["a"]}], "outputs": [{"name": "x"}]}, {},
     400, "invalid_request", "Unknown output 'x'; outputs: probabilities, label"),
    ({"inputs": []}, {}, 400, "invalid_request", "`inputs` must hold exactly one tensor, `text`"),
])
def test_v2_errors(client, body, headers, status, code, message):
    response = client.post("/v2/models/toy/infer", json=body, headers=headers)
    assert error_of(response, status, code) == message


def test_v2_binary_errors(client):
    header = json.dumps({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1],
                                     "parameters": {"binary_data_size": 6}}]}).encode()
    truncated = client.post("/v2/models/toy/infer", data=header + struct.pack("<I", 9) + b"ab",
                            headers={"Inference-Header-Content-Length": str(len(header))})
    assert error_of(truncated, 400, "invalid_request") == "The binary data of 'text' ends inside element 0"
    not_utf8 = client.post("/v2/models/toy/infer", data=header + struct.pack("<I", 2) + b"\xff\xfe",
                           headers={"Inference-Header-Content-Length": str(len(header))})
    assert error_of(not_utf8, 422, "invalid_texts") == "`text[0]` is not valid UTF-8"
    bad_length = client.post("/v2/models/toy/infer", data=header, headers={"Inference-Header-Content-Length": "999"})
    assert error_of(bad_length, 400, "invalid_request").startswith("Inference-Header-Content-Length must be a length")
    bomb = gzip.compress(b"{" + b" " * 5_000_000 + b"}")
    response = client.post("/v2/models/toy/infer", data=bomb, content_type="application/octet-stream",
                           headers={"Inference-Header-Content-Length": "2", "Content-Encoding": "gzip"})
    assert error_of(response, 413, "payload_too_large") == (
        "The decompressed body is larger than the limit of 4194304 bytes")


# -- the real tritonclient ----------------------------------------------------------------------------------

def test_tritonclient_http(base_url, classifier):
    tritonclient_http = pytest.importorskip("tritonclient.http")
    from tritonclient.utils import InferenceServerException

    client = tritonclient_http.InferenceServerClient(url=base_url.removeprefix("http://"))
    try:
        assert client.is_server_live() and client.is_server_ready()
        assert client.is_model_ready("toy") and client.is_model_ready("toy", "1")
        assert client.get_model_metadata("toy")["inputs"][0]["datatype"] == "BYTES"
        expected = classifier.predict_proba(TEXTS)
        best = [ranked[0][0] for ranked in classifier.predict(TEXTS)]
        for binary_in in (True, False):
            text = tritonclient_http.InferInput("text", [len(TEXTS)], "BYTES")
            text.set_data_from_numpy(np.array([t.encode("utf-8") for t in TEXTS], dtype=object), binary_data=binary_in)
            outputs = [tritonclient_http.InferRequestedOutput("probabilities", binary_data=binary_in),
                       tritonclient_http.InferRequestedOutput("label", binary_data=not binary_in)]
            result = client.infer("toy", [text], outputs=outputs, request_id="r1")
            np.testing.assert_allclose(result.as_numpy("probabilities"), expected, rtol=1e-5, atol=1e-6)
            labels = [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("label")]
            assert labels == best
        result = client.infer("toy", [text], model_version="1")  # no outputs named: all, as binary
        np.testing.assert_allclose(result.as_numpy("probabilities"), expected, rtol=1e-5, atol=1e-6)
        with pytest.raises(InferenceServerException) as raised:
            client.infer("nope", [text])
        assert raised.value.status() == "404"
    finally:
        client.close()
