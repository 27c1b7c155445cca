"""``GET /openapi.json`` matches the service: schemathesis fuzzes every operation it documents
(positive and negative examples, bounded) and checks that nothing answers 5xx and that every
status, content type and body is one the document declares."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                                response_schema_conformance, status_code_conformance)

from textcnn_service.config import ServiceConfig
from textcnn_service.openapi import openapi_document

EXAMPLES = 8  # per operation and mode

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


DOCUMENT = openapi_document(ServiceConfig.load(environ={}), ["toy"])  # the test service's, limits aside
# Every documented operation, with valid examples; with invalid ones too where it takes any input.
CASES = [(method, path, mode) for path, item in DOCUMENT["paths"].items() for method, operation in item.items()
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode == GenerationMode.POSITIVE or operation["parameters"] or "requestBody" in operation]
# Operations whose valid examples must (sometimes) be classified, not only refused.
CLASSIFYING = {"/classify", "/models/{name}/classify", "/hf/models/{name}", "/v1/models/{name}:predict"}


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def test_the_document_is_openapi_3_and_lists_every_route(app, client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method, path))
    served.discard(("GET", "/static/{path:filename}"))  # the page's script and style
    assert served == documented
    classify = document["components"]["schemas"]["ClassifyRequest"]["properties"]
    assert classify["texts"]["maxItems"] == 8 and classify["model"]["enum"] == ["toy"]


@pytest.mark.parametrize("method, path, mode", CASES)
def test_fuzzing_from_the_document(api_schema, method, path, mode):
    operation = api_schema[path][method]
    statuses = []

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        statuses.append(case.call_and_validate(checks=CHECKS).status_code)

    fuzz()
    if mode == GenerationMode.POSITIVE and path in CLASSIFYING:
        assert 200 in statuses, statuses
