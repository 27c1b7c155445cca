"""The core install (TensorFlow, Keras, NumPy and textcnn's wheel; `make core-venv` builds it from
requirements-core.lock) predicts with a saved model, and prediction imports nothing of serving,
word vectors, plotting, tables or scikit-learn."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE_PYTHON = ROOT / ".venv-core" / "bin" / "python"
ARTIFACT = ROOT / "tests" / "fixtures" / "tiny-text.textcnn"
OPTIONAL = ("flask", "gunicorn", "prometheus_client", "gensim", "matplotlib", "pandas", "sklearn",
            "PIL", "textcnn_service", "textcnn_embeddings", "textcnn.training", "textcnn.config")

PROBE = """
import json, sys
import textcnn
clf = textcnn.load(sys.argv[1])
result = {"predictions": clf.predict(["a delight from start to finish", "a tedious , boring film"]),
          "loaded": sorted(m for m in sys.modules if m.split('.')[0] in OPTIONAL_ROOTS or m in OPTIONAL)}
print(json.dumps(result))
"""


def _run(python: Path) -> dict:
    code = f"OPTIONAL = {OPTIONAL!r}\nOPTIONAL_ROOTS = {tuple(m for m in OPTIONAL if '.' not in m)!r}\n" + PROBE
    # Run outside the source tree, so the installed wheel is what gets imported.
    done = subprocess.run([str(python), "-c", code, str(ARTIFACT)], capture_output=True, text=True,
                          cwd="/", env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_core_install_has_no_optional_package():
    if not CORE_PYTHON.exists():
        pytest.fail(".venv-core is missing: `make core-venv` builds it (make test does)")
    listed = subprocess.run([str(CORE_PYTHON), "-m", "pip", "list", "--format=json"], capture_output=True,
                            text=True, check=True).stdout
    names = {p["name"].lower() for p in json.loads(listed)}
    assert {"tensorflow", "keras", "numpy", "textcnn"} <= names
    assert not names & {"flask", "gunicorn", "gensim", "matplotlib", "pandas", "scikit-learn", "pillow"}


def test_the_core_install_predicts_with_a_saved_model_importing_nothing_optional():
    if not CORE_PYTHON.exists():
        pytest.fail(".venv-core is missing: `make core-venv` builds it (make test does)")
    result = _run(CORE_PYTHON)
    assert result["loaded"] == []
    (first,), (second,) = result["predictions"]
    assert first[0] == "positive" and second[0] == "negative"
    assert 0.5 < first[1] <= 1 and 0.5 < second[1] <= 1
