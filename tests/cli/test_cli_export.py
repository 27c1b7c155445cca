"""`textcnn export --format savedmodel`: a SavedModel that takes raw texts, checked in a fresh
process against the Python predictions, and against TensorFlow Serving's signature conventions."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.cli.conftest import textcnn_env

# Known words, unknown words, capitals, clitics and punctuation, non-Latin text, a sentence
# shorter than the largest region size (5), a single word, and empty or blank texts.
MIXED_BATCH = [
    "a wonderful film indeed",
    "I HATED every minute, it's a WASTE of time!",
    "zyzzyva quokka flibbertigibbet",
    "boring",
    "a joy",
    "",
    "   ",
    "Отличный фильм — 我爱这部电影 😀 café",
    "the director isn't french (shot in paris?) but it's based on a novel " * 4,
]

# Run in a fresh interpreter: nothing of textcnn, only TensorFlow and the export directory.
LOAD_AND_PREDICT = """
import json, sys
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
out = serve(texts=tf.constant(json.loads(sys.stdin.read())))
print(json.dumps({k: v.numpy().tolist() for k, v in out.items()}, default=bytes.decode))
"""


@pytest.fixture(scope="module")
def exported(cli, trained, tmp_path_factory):
    output = tmp_path_factory.mktemp("export") / "tiny" / "1"
    result = cli("export", "--format", "savedmodel", "--model", trained["model"], "--output", output)
    assert result.returncode == 0, result.stderr
    assert f"exported {trained['model']} as a savedmodel to {output}" in result.stderr
    return output


def test_savedmodel_in_a_fresh_process_matches_predict_proba(exported, trained):
    import textcnn

    result = subprocess.run([sys.executable, "-c", LOAD_AND_PREDICT, str(exported)],
                            input=json.dumps(MIXED_BATCH), capture_output=True, text=True,
                            env=textcnn_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout)
    classifier = textcnn.load(trained["model"])
    expected = classifier.predict_proba(MIXED_BATCH)
    assert set(served) == {"probabilities", "label", "score"}
    np.testing.assert_allclose(served["probabilities"], expected, atol=1e-5, rtol=0)
    assert served["label"] == [classifier.labels[i] for i in expected.argmax(1)]
    np.testing.assert_allclose(served["score"], expected.max(1), atol=1e-5, rtol=0)
    # The batch really holds unknown words and a sentence shorter than the largest region.
    encoded = classifier.encode(MIXED_BATCH)
    assert encoded[2] == [1, 1, 1] and len(encoded[3]) == 1


def test_savedmodel_follows_tensorflow_serving_conventions(exported, trained):
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((exported / "saved_model.pb").read_bytes())
    (graph,) = saved.meta_graphs
    assert list(graph.meta_info_def.tags) == ["serve"]
    signature = graph.signature_def["serving_default"]
    assert signature.method_name == "tensorflow/serving/predict"
    (name, tensor), = signature.inputs.items()
    assert name == "texts" and tensor.dtype == 7  # DT_STRING
    assert [d.size for d in tensor.tensor_shape.dim] == [-1]
    outputs = signature.outputs
    assert {k: outputs[k].dtype for k in outputs} == {"probabilities": 1, "label": 7, "score": 1}
    # Row format ({"instances": [...]}) needs every output batch-major.
    assert all(outputs[k].tensor_shape.dim[0].size == -1 for k in outputs)
    assert (exported / "assets" / "vocabulary.txt").is_file()
    manifest = json.loads((exported / "assets.extra" / "manifest.json").read_text())
    import textcnn

    assert manifest["labels"] == textcnn.load(trained["model"]).labels


def test_export_refuses_a_non_empty_output(cli, trained, exported, assert_one_line_error):
    result = cli("export", "--model", trained["model"], "--output", exported)
    assert_one_line_error(result, f"{exported} already exists and is not empty; choose another --output")


def test_export_of_a_missing_model(cli, tmp_path, assert_one_line_error):
    result = cli("export", "--model", tmp_path / "nope.textcnn", "--output", tmp_path / "out")
    assert_one_line_error(result, f"No such model file: {tmp_path / 'nope.textcnn'}")
    assert not (tmp_path / "out").exists()
