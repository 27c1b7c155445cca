"""The ``kserve`` package's REST client, v1 and v2 protocols, against the service over HTTP.

kserve 0.21 cannot be installed beside TensorFlow in the project's environment (it requires
pandas<3, protobuf<7 and python-dateutil<3; requirements.lock has pandas 3.1.1, protobuf 7.36.2
and python-dateutil 4.0.0), so the client runs in its own environment, ``.venv-kserve`` (built by
``make test`` from ``requirements-kserve.lock``; another one may be named by
``TEXTCNN_KSERVE_PYTHON``). Without it the test fails with the reason, unless
``TEXTCNN_SKIP_KSERVE=1`` opts out explicitly.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["a joy to watch", "a dull and boring mess", "😀 mixed スクリプト и текст"]


@pytest.fixture(scope="module")
def kserve_python() -> str:
    if os.environ.get("TEXTCNN_SKIP_KSERVE") == "1":
        pytest.skip("TEXTCNN_SKIP_KSERVE=1: the kserve client test is opted out")
    python = Path(os.environ.get("TEXTCNN_KSERVE_PYTHON") or ROOT / ".venv-kserve" / "bin" / "python")
    if not python.exists():
        pytest.fail(f"the kserve client test needs {python} (run `make kserve-venv`, or set TEXTCNN_KSERVE_PYTHON); "
                    "set TEXTCNN_SKIP_KSERVE=1 to opt out", pytrace=False)
    return str(python)


def test_kserve_rest_client_v1_and_v2(kserve_python, base_url, classifier):
    run = subprocess.run([kserve_python, str(ROOT / "tests" / "service" / "kserve_client.py"), base_url, "toy", *TEXTS],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""})
    assert run.returncode == 0, run.stderr[-3000:]
    answers = json.loads(run.stdout)
    expected = classifier.predict_proba(TEXTS)
    best = [ranked[0][0] for ranked in classifier.predict(TEXTS)]
    assert answers["v1_live"] is True and answers["v1_model_ready"] is True
    np.testing.assert_allclose(answers["v1_predictions"], expected, rtol=1e-5, atol=1e-6)
    assert answers["v2_live"] is True and answers["v2_ready"] is True
    assert answers["v2_model_ready"] is True and answers["v2_missing_model_ready"] is False
    for mode in ("v2_json", "v2_binary"):
        assert answers[mode]["id"] == "k1"
        np.testing.assert_allclose(answers[mode]["probabilities"], expected, rtol=1e-5, atol=1e-6)
        assert answers[mode]["label"] == best
    assert answers["v2_error"]["status"] == 404
    assert "No model named 'nope'. Models: toy" in answers["v2_error"]["message"]
