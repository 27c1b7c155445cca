"""The REST API through Flask's test client: every endpoint, every error status, pinned messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

TEXTS = ["a gripping and moving film", "boring", "i hated every minute of it , truly awful",
         "wonderful", "a joy to watch with the whole family"]


def error_of(response, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    return body["error"]["message"]


# -- classify ------------------------------------------------------------------------------------------

def test_classify_matches_the_classifier_in_input_order(client, classifier):
    response = client.post("/classify", json={"texts": TEXTS, "top_k": 2})
    assert response.status_code == 200
    body = response.get_json()
    assert body["model"] == {"name": "toy", "version": 1}
    expected = classifier.predict(TEXTS, k=2)
    assert len(body["results"]) == len(TEXTS)
    for result, ranked in zip(body["results"], expected):
        assert [entry["label"] for entry in result["top_k"]] == [label for label, _ in ranked]
        np.testing.assert_allclose([entry["score"] for entry in result["top_k"]],
                                   [score for _, score in ranked], rtol=1e-5, atol=1e-6)
        assert result["label"] == ranked[0][0]
        assert result["score"] == result["top_k"][0]["score"]


def test_one_text_and_the_default_top_k(client, classifier):
    body = client.post("/classify", json={"text": "wonderful acting"}).get_json()
    assert len(body["results"]) == 1 and len(body["results"][0]["top_k"]) == 1
    assert body["results"][0]["label"] == classifier.predict(["wonderful acting"])[0][0][0]


def test_top_k_larger_than_the_labels_gives_every_label(client):
    result = client.post("/classify", json={"texts": ["fun"], "top_k": 10}).get_json()["results"][0]
    assert sorted(entry["label"] for entry in result["top_k"]) == ["negative", "positive"]
    assert sum(entry["score"] for entry in result["top_k"]) == pytest.approx(1.0, abs=1e-5)


def test_named_model_in_the_url_and_the_body(client):
    by_url = client.post("/models/toy/classify", json={"texts": TEXTS[:2]}).get_json()
    by_body = client.post("/classify", json={"texts": TEXTS[:2], "model": "toy", "version": 1}).get_json()
    assert by_url == by_body
    assert client.post("/classify", json={"text": "fun", "version": "1"}).status_code == 200


def test_unicode_control_characters_and_long_texts_are_classified(client):
    texts = ["😀🎬 great film 👍", "Amélie est un film merveilleux", "映画はすばらしい", "фильм отличный",
             "tab\there\x00null\x07bell\u200bzero-width", "\ud83d lone surrogate",
             "word " * 210_000]  # ~1 MB: cut to max_tokens tokens
    # json.dumps escapes the lone surrogate as \\ud83d, as a JavaScript client would send it.
    response = client.post("/classify", data=json.dumps({"texts": texts}), content_type="application/json")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == len(texts)
    assert all(result["label"] in ("negative", "positive") for result in results)


def test_a_long_text_is_cut_to_max_tokens(registry, classifier):
    model = registry.get("toy")
    long_text = "a joy to watch " * 2000
    sequence = model.encode_one(long_text)
    assert len(sequence) == model.max_tokens == 1000
    assert sequence == classifier.encode([long_text])[0][:1000]
    # A prefix cut mid-word never changes the tokens kept.
    tricky = "dog's " * 600 + "x" * 40_000
    assert model.encode_one(tricky) == classifier.encode([tricky])[0][:1000]


# -- classify errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, code, message", [
    ("{not json", "malformed_json",
     "Malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    ("", "malformed_json", "The body is empty; send a JSON object"),
    ("[1, 2]", "invalid_request", "The body must be a JSON object. Received: array"),
    ('{"texts": "one"}', "invalid_request", "`texts` must be an array of strings. Received: string"),
    ('{"texts": ["a"], "top_k": "2"}', "invalid_request", "`top_k` must be an integer. Received: string"),
    ('{"texts": ["a"], "top_k": true}', "invalid_request", "`top_k` must be an integer. Received: boolean"),
    ('{"texts": ["a"], "model": 3}', "invalid_request", "`model` must be a string. Received: integer"),
    ('{"texts": ["a"], "version": "v2"}', "invalid_request", "`version` must be an integer. Received: string"),
    ('{"texts": ["a"], "text": "b"}', "invalid_request", "Give `text` or `texts`, not both"),
    ('{"top_k": 1}', "invalid_request", "The body needs `texts` (an array of strings) or `text` (a string)"),
    ('{"texts": ["a"], "topk": 1}', "invalid_request",
     "Unknown field(s): topk; expected: texts, text, images, top_k, model, version"),
])
def test_bad_bodies_are_400(client, data, code, message):
    response = client.post("/classify", data=data, content_type="application/json")
    assert error_of(response, 400, code) == message


def test_invalid_utf8_is_400(client):
    response = client.post("/classify", data=b'{"texts": ["\xff\xfe"]}', content_type="application/json")
    assert error_of(response, 400, "malformed_json") == "The body is not valid UTF-8"


@pytest.mark.parametrize("body, message", [
    ({"texts": []}, "`texts` must not be empty"),
    ({"texts": ["fine", ""]}, "`texts[1]` is empty"),
    ({"texts": ["fine", "  \n\t"]}, "`texts[1]` is empty"),
    ({"texts": ["fine", 7]}, "`texts[1]` must be a string. Received: integer"),
    ({"texts": [None]}, "`texts[0]` must be a string. Received: null"),
    ({"text": ["a"]}, "`text` must be a string. Received: array"),
    ({"text": ""}, "`text` is empty"),
])
def test_empty_or_non_string_texts_are_422(client, body, message):
    assert error_of(client.post("/classify", json=body), 422, "invalid_texts") == message


def test_top_k_below_one_is_422(client):
    response = client.post("/classify", json={"texts": ["a"], "top_k": 0})
    assert error_of(response, 422, "invalid_value") == "`top_k` must be at least 1. Received: 0"


def test_too_many_texts_is_413(client):
    response = client.post("/classify", json={"texts": ["a"] * 9})
    assert error_of(response, 413, "too_many_texts") == "At most 8 texts per request. Received: 9"


def test_too_long_a_text_is_413(client):
    response = client.post("/classify", json={"texts": ["ok", "x" * 1_100_001]})
    assert error_of(response, 413, "text_too_long") == (
        "`texts[1]` has 1100001 characters; the limit is 1100000")


def test_too_large_a_body_is_413(client):
    response = client.post("/classify", data=json.dumps({"texts": ["word " * 900_000]}),
                           content_type="application/json")
    assert error_of(response, 413, "payload_too_large") == (
        "The request body is larger than the limit of 4194304 bytes")


@pytest.mark.parametrize("content_type, shown", [("text/plain", "text/plain"), (None, "none"),
                                                 ("application/x-www-form-urlencoded",
                                                  "application/x-www-form-urlencoded")])
def test_wrong_content_type_is_415(client, content_type, shown):
    response = client.post("/classify", data='{"texts": ["a"]}', content_type=content_type)
    assert error_of(response, 415, "unsupported_media_type") == (
        f"The body must be JSON sent as Content-Type: application/json. Received: {shown}")


def test_json_with_a_charset_is_accepted(client):
    response = client.post("/classify", data='{"texts": ["a"]}', content_type="application/json; charset=utf-8")
    assert response.status_code == 200


def test_unknown_model_and_version_are_404(client):
    assert error_of(client.post("/models/nope/classify", json={"text": "a"}), 404, "model_not_found") == (
        "No model named 'nope'. Models: toy")
    assert error_of(client.post("/classify", json={"text": "a", "model": "nope"}), 404, "model_not_found") == (
        "No model named 'nope'. Models: toy")
    assert error_of(client.post("/classify", json={"text": "a", "version": 7}), 404, "version_not_found") == (
        "Model 'toy' has no version 7 loaded; it serves version 1")
    assert error_of(client.get("/models/nope"), 404, "model_not_found") == "No model named 'nope'. Models: toy"


def test_conflicting_model_names_are_400(client):
    response = client.post("/models/toy/classify", json={"text": "a", "model": "other"})
    assert error_of(response, 400, "invalid_request") == "The body names model 'other' but the URL names 'toy'"


@pytest.mark.parametrize("path", [
    "/models/../classify", "/models/..%2F..%2Fetc/classify", "/models/%2e%2e/classify",
    "/models/toy%2F..%2F..%2Fetc/classify", "/models/..%5C..%5Cetc/classify", "/models/.toy/classify",
    "/models/toy%00/classify",
])
def test_path_traversal_is_refused(client, path):
    response = client.post(path, json={"text": "a"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] in ("model_not_found", "not_found")


@pytest.mark.parametrize("name", ["..", "../toy", "toy/../toy", "/etc/passwd", "toy\\..", ".", "", "a" * 65])
def test_model_names_in_the_body_cannot_escape(client, name):
    response = client.post("/classify", json={"text": "a", "model": name})
    assert error_of(response, 404, "model_not_found") == f"No model named {name!r}. Models: toy"


def test_wrong_method_is_405(client):
    response = client.get("/classify")
    assert error_of(response, 405, "method_not_allowed") == "Method not allowed; allowed: OPTIONS, POST"
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert error_of(client.post("/healthz"), 405, "method_not_allowed") == (
        "Method not allowed; allowed: GET, HEAD, OPTIONS")


def test_unknown_routes_are_404_json(client):
    assert error_of(client.get("/nope"), 404, "not_found") == "No such endpoint"
    assert error_of(client.post("/models/toy/predict", json={}), 404, "not_found") == "No such endpoint"


# -- models, health ------------------------------------------------------------------------------------

def test_models_lists_the_served_models(client):
    assert client.get("/models").get_json() == {
        "models": [{"name": "toy", "version": 1, "labels": ["negative", "positive"], "versions": [1]}]}


def test_model_description_carries_the_manifest(client, classifier):
    body = client.get("/models/toy").get_json()
    assert body["name"] == "toy" and body["version"] == 1 and body["versions"] == [1]
    assert body["labels"] == ["negative", "positive"]
    assert body["input_kind"] == "text"
    assert body["vocabulary_size"] == len(classifier.vocabulary)
    assert body["embeddings"] == {"variant": "rand", "source": None}
    assert body["evaluation"] == json.loads(json.dumps(classifier.manifest["evaluation"]))
    assert body["training"]["region_sizes"] == [2, 3] and body["training"]["feature_maps"] == 4
    assert body["tokenizer"] == {"scheme": "kim", "lowercase": True, "max_tokens": None}
    assert body["warm"] is True and body["rejected_versions"] == {}


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "models": {"toy": 1}}


def test_metrics_count_requests_batches_and_models(client):
    client.post("/classify", json={"texts": ["a", "b"]})
    client.post("/classify", json={"texts": []})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'textcnn_requests_total{endpoint="/classify",model="toy",status="200"}' in text
    assert 'textcnn_requests_total{endpoint="/classify",model="",status="422"}' in text
    assert 'textcnn_request_duration_seconds_bucket{endpoint="/classify",le="+Inf"}' in text
    assert 'textcnn_batch_size_count{model="toy"}' in text
    assert 'textcnn_queue_depth{model="toy"}' in text
    assert 'textcnn_model_version{model="toy"} 1.0' in text
    assert 'textcnn_model_load_seconds{model="toy"}' in text
    assert "textcnn_ready_workers 1.0" in text


GARBAGE = [b"", b"null", b"0", b'"text"', b"[]", b"{}", b'{"texts": {}}', b'{"texts": [[]]}', b'{"texts": [{}]}',
           b'{"text": null}', b'{"texts": ["a"], "top_k": 1e400}', b'{"texts": ["a"], "top_k": -5}',
           b'{"texts": ["a"], "version": -1}', b'{"texts": ["a"], "model": ""}', b'{"instances": [null]}',
           b'{"inputs": [{"name": "text"}]}', b'{"inputs": [{"name": "text", "datatype": "BYTES", "shape": "x"}]}',
           b'{"inputs": [{"name": "text", "datatype": "BYTES", "shape": [true], "data": ["a"]}]}',
           b"[" * 100_000, b"\x00\xff\xfe", '{"text": "\u202e\ufeff\U0010ffff"}'.encode()]
ENDPOINTS = ["/classify", "/models/toy/classify", "/v1/models/toy:predict", "/v2/models/toy/infer", "/hf/models/toy"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_garbage_never_causes_a_500(client, endpoint):
    for data in GARBAGE:
        response = client.post(endpoint, data=data, content_type="application/json")
        assert response.status_code < 500, (data[:60], response.get_data(as_text=True))
        if response.status_code != 200:
            error = response.get_json()["error"]
            if not endpoint.startswith(("/classify", "/models")):  # the protocols' shape
                assert isinstance(error, str) and error
            else:
                assert set(error) == {"code", "message"}
