"""TensorFlow Serving REST (/v1) and Open Inference Protocol (/v2) compatibility; /v2 also through
the real ``tritonclient.http`` over HTTP, binary tensor extension included."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest

TEXTS = ["a joy to watch", "a dull and boring mess", "😀 mixed スクリプト"]


def error_of(response, status):
    """The message of a protocol error, in the shape TF Serving, KServe and Hugging Face answer:
    ``{"error": "message"}``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and isinstance(body["error"], str)
    return body["error"]


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
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}],
        "name": "toy", "ready": True}
    metadata = client.get("/v1/models/toy/versions/1/metadata").get_json()
    assert metadata["model_spec"] == {"name": "toy", "signature_name": "", "version": "1"}
    assert metadata["metadata"]["labels"] == ["negative", "positive"]


@pytest.mark.parametrize("path, body, status, message", [
    ("/v1/models/toy:predict", {"instances": "a"}, 400, "`instances` must be an array. Received: string"),
    ("/v1/models/toy:predict", {"instances": ["a"], "inputs": ["b"]}, 400,
     "The body needs exactly one of `instances` (rows) or `inputs` (columns)"),
    ("/v1/models/toy:predict", {"instances": [{"txt": "a"}]}, 400,
     "`instances[0]` must have exactly one input, `text`"),
    ("/v1/models/toy:predict", {"instances": [3]}, 422, "`instances[0]` must be a string. Received: integer"),
    ("/v1/models/toy:predict", {"instances": []}, 422, "`instances` must not be empty"),
    ("/v1/models/toy:predict", {"instances": ["a"], "signature_name": "x"}, 400,
     "Unknown signature_name 'x'; the only one is 'serving_default'"),
    ("/v1/models/nope:predict", {"instances": ["a"]}, 404, "No model named 'nope'. Models: toy"),
    ("/v1/models/toy/versions/9:predict", {"instances": ["a"]}, 404,
     "Model 'toy' has no version 9 loaded; it serves version 1"),
])
def test_tfserving_errors(client, path, body, status, message):
    assert error_of(client.post(path, json=body), status) == message


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
    assert error_of(client.get("/v2/models/toy/versions/3"), 404)


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


@pytest.mark.parametrize("body, headers, status, message", [
    ({"inputs": [{"name": "txt", "datatype": "BYTES", "shape": [1], "data": ["a"]}]}, {}, 400,
     "Unknown input 'txt'; the model's input is 'text'"),
    ({"inputs": [{"name": "text", "datatype": "FP32", "shape": [1], "data": [1.0]}]}, {}, 400,
     "Input 'text' must be BYTES. Received: 'FP32'"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [2], "data": ["a"]}]}, {}, 400,
     "Input 'text' has shape [2] but 1 elements"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1, 2], "data": ["a", "b"]}]}, {}, 400,
     "Input 'text' must have shape [n] or [n, 1]. Received: [1, 2]"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": [""]}]}, {}, 422,
     "`text[0]` is empty"),
    ({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["a"]}], "outputs": [{"name": "x"}]}, {},
     400, "Unknown output 'x'; outputs: probabilities, label"),
    ({"inputs": []}, {}, 400, "`inputs` must hold exactly one tensor, `text`"),
])
def test_v2_errors(client, body, headers, status, message):
    response = client.post("/v2/models/toy/infer", json=body, headers=headers)
    assert error_of(response, status) == message


def test_v2_binary_errors(client):
    header = json.dumps({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1],
                                     "parameters": {"binary_data_size": 6}}]}).encode()
    truncated = client.post("/v2/models/toy/infer", data=header + struct.pack("<I", 9) + b"ab",
                            headers={"Inference-Header-Content-Length": str(len(header))})
    assert error_of(truncated, 400) == "The binary data of 'text' ends inside element 0"
    not_utf8 = client.post("/v2/models/toy/infer", data=header + struct.pack("<I", 2) + b"\xff\xfe",
                           headers={"Inference-Header-Content-Length": str(len(header))})
    assert error_of(not_utf8, 422) == "`text[0]` is not valid UTF-8"
    bad_length = client.post("/v2/models/toy/infer", data=header, headers={"Inference-Header-Content-Length": "999"})
    assert error_of(bad_length, 400).startswith("Inference-Header-Content-Length must be a length")
    bomb = gzip.compress(b"{" + b" " * 5_000_000 + b"}")
    response = client.post("/v2/models/toy/infer", data=bomb, content_type="application/octet-stream",
                           headers={"Inference-Header-Content-Length": "2", "Content-Encoding": "gzip"})
    assert error_of(response, 413) == (
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


# -- the protocols' own error shape for HTTP-level errors -------------------------------------------------

@pytest.mark.parametrize("method, path, kwargs, status, message", [
    ("delete", "/v1/models/toy", {}, 405, "Method not allowed; allowed: GET, HEAD, OPTIONS"),
    ("post", "/v2/health/live", {}, 405, "Method not allowed; allowed: GET, HEAD, OPTIONS"),
    ("post", "/hf/models/toy", {"data": '{"inputs": "a"}', "content_type": "text/plain"}, 415,
     "The body must be JSON sent as Content-Type: application/json. Received: text/plain"),
    ("post", "/v1/models/toy:predict", {"data": "{", "content_type": "application/json"}, 400,
     "Malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    ("post", "/v1/models/toy:predict", {"json": {"instances": ["a"] * 9}}, 413, "At most 8 texts per request. Received: 9"),
    ("post", "/v2/models/toy/infer", {"data": b"x" * (4 * 1024 * 1024 + 1), "content_type": "application/json"}, 413,
     "The request body is larger than the limit of 4194304 bytes"),
    ("get", "/v2/no/such/route", {}, 404, "No such endpoint"),
    ("get", "/v1/models/..%2F..%2Fetc", {}, 404, "No such endpoint"),
    ("get", "/v1/models/..", {}, 404, "No model named '..'. Models: toy"),
])
def test_protocol_errors_of_every_status_keep_the_protocol_shape(client, method, path, kwargs, status, message):
    assert error_of(getattr(client, method)(path, **kwargs), status) == message


# -- Hugging Face text classification ------------------------------------------------------------------------

def _ranked(classifier, texts, k=2):
    return [[{"label": label, "score": pytest.approx(score, abs=1e-6)} for label, score in ranked]
            for ranked in classifier.predict(texts, k=k)]


def test_huggingface_task_format(client, classifier):
    one = client.post("/hf/models/toy", json={"inputs": TEXTS[0]})
    assert one.status_code == 200
    assert one.get_json() == _ranked(classifier, TEXTS[:1])
    several = client.post("/hf/models/toy/versions/1", json={"inputs": TEXTS, "parameters": {"top_k": 1}})
    assert several.get_json() == _ranked(classifier, TEXTS, k=1)


@pytest.mark.parametrize("path, body, status, message", [
    ("/hf/models/toy", {"text": "a"}, 400, "The body needs `inputs`: a text or an array of texts"),
    ("/hf/models/toy", {"inputs": ""}, 422, "`inputs` is empty"),
    ("/hf/models/toy", {"inputs": ["a", 3]}, 422, "`inputs[1]` must be a string. Received: integer"),
    ("/hf/models/toy", {"inputs": "a", "parameters": {"top_k": 0}}, 422, "`top_k` must be at least 1. Received: 0"),
    ("/hf/models/toy", {"inputs": "a", "parameters": {"function_to_apply": "sigmoid"}}, 400,
     "Only `function_to_apply` 'softmax' is served. Received: 'sigmoid'"),
    ("/hf/models/toy", {"inputs": "a", "parameters": {"truncation": True}}, 400,
     "Unknown parameter(s): truncation; known: top_k, function_to_apply"),
    ("/hf/models/toy", {"inputs": "a", "parameters": []}, 400, "`parameters` must be an object. Received: array"),
    ("/hf/models/nope", {"inputs": "a"}, 404, "No model named 'nope'. Models: toy"),
    ("/hf/models/toy/versions/x", {"inputs": "a"}, 404, "No version 'x': versions are numbers"),
])
def test_huggingface_errors(client, path, body, status, message):
    assert error_of(client.post(path, json=body), status) == message


def test_huggingface_inference_client(base_url, classifier):
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import HfHubHTTPError

    client = InferenceClient(model=f"{base_url}/hf/models/toy")
    for text in TEXTS:
        answer = client.text_classification(text)
        assert [(a.label, a.score) for a in answer] == [
            (label, pytest.approx(score, abs=1e-6)) for label, score in classifier.predict([text], k=2)[0]]
    assert [a.label for a in client.text_classification(TEXTS[0], top_k=1)] == [classifier.predict(TEXTS[:1])[0][0][0]]
    with pytest.raises(HfHubHTTPError) as raised:
        InferenceClient(model=f"{base_url}/hf/models/nope").text_classification("a")
    assert raised.value.response.status_code == 404
