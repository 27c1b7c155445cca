"""Runs the ``kserve`` package's REST client (v1 and v2) against a service; prints what it got as JSON.

Run by ``test_service_kserve.py`` with the Python of ``.venv-kserve`` (kserve cannot share the
project's environment; see ``requirements-kserve.lock``):

    .venv-kserve/bin/python tests/service/kserve_client.py http://127.0.0.1:8080 toy "a joy" "a mess"
"""

from __future__ import annotations

import asyncio
import json
import sys

import numpy as np
from kserve import InferInput, InferRequest, InferenceRESTClient, RESTConfig


async def main(base_url: str, model: str, texts: list[str]) -> dict:
    answers = {}
    async with InferenceRESTClient(RESTConfig(protocol="v1", timeout=30)) as v1:
        answers["v1_live"] = await v1.is_server_live(base_url)
        answers["v1_model_ready"] = await v1.is_model_ready(base_url, model)
        answers["v1_predictions"] = (await v1.infer(base_url, {"instances": texts}, model_name=model))["predictions"]
    async with InferenceRESTClient(RESTConfig(protocol="v2", timeout=30)) as v2:
        answers["v2_live"] = await v2.is_server_live(base_url)
        answers["v2_ready"] = await v2.is_server_ready(base_url)
        answers["v2_model_ready"] = await v2.is_model_ready(base_url, model)
        answers["v2_missing_model_ready"] = await v2.is_model_ready(base_url, "nope")
        for binary in (False, True):
            text = InferInput("text", [len(texts)], "BYTES")
            text.set_data_from_numpy(np.array([t.encode("utf-8") for t in texts], dtype=object), binary_data=binary)
            response = await v2.infer(base_url, InferRequest(model, infer_inputs=[text], request_id="k1"),
                                      model_name=model)
            outputs = {output.name: output.as_numpy() for output in response.outputs}
            answers[f"v2_{'binary' if binary else 'json'}"] = {
                "id": response.id, "probabilities": outputs["probabilities"].tolist(),
                "label": [v.decode() if isinstance(v, bytes) else v for v in outputs["label"].tolist()]}
        try:
            await v2.infer(base_url, InferRequest("nope", infer_inputs=[text]), model_name="nope")
        except Exception as error:  # kserve raises httpx.HTTPStatusError with the server's message
            answers["v2_error"] = {"status": error.response.status_code, "message": str(error)}
    return answers


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))))
