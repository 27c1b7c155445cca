"""Image models train through the same loop as text ones: run directory, seeds, resume, the
artifact, and identical predictions after reloading in a fresh process."""

import csv
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import textcnn
from textcnn.config import TrainConfig
from textcnn.errors import TextcnnError
from textcnn.inference.image import ImageClassifier
from textcnn.training import fit


def config(tmp_path, arch="lenet-tutorial", **changes):
    base = dict(task="image", dataset="mnist-slice", arch=arch, epochs=2, batch_size=50, learning_rate=0.1,
                output_dir=str(tmp_path), tensorboard=False, seed=3, deterministic=True)
    return TrainConfig.from_preset("lenet-tutorial", **{**base, **changes})


def test_run_directory_and_artifact(tmp_path, mnist_slice):
    result = fit(config(tmp_path, tensorboard=True), mnist_slice, verbose=0)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"model.textcnn", "config.json", "metrics.csv", "report.json", "report.txt", "learning_curve.png",
            "confusion_matrix.png", "tensorboard", "checkpoints"} <= names
    assert "embeddings.json" not in names and "vocabulary.txt" not in names
    with zipfile.ZipFile(tmp_path / "model.textcnn") as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "model.keras"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["kind"] == "image" and manifest["config"]["task"] == "image"
    assert manifest["labels"] == [str(d) for d in range(10)]
    assert manifest["preprocessing"] == {"input_shape": [28, 28, 1], "color_mode": "grayscale",
                                         "scale": "pixel / 255", "resize": "bilinear"}
    assert manifest["data"] == {"dataset": "mnist-slice", "train": 300, "dev": 100, "test": 100, "notes": {}}
    assert result.report["examples"] == 100 and len(result.history) == 2
    clf = textcnn.load(tmp_path / "model.textcnn")
    assert isinstance(clf, ImageClassifier) and clf.input_shape == (28, 28, 1)
    np.testing.assert_allclose(clf.predict_proba(mnist_slice.test.images),
                               result.classifier.predict_proba(mnist_slice.test.images), atol=1e-6)


def test_same_seed_is_bit_identical_and_resume_continues(tmp_path, mnist_slice):
    first = fit(config(tmp_path / "a", "lenet-tutorial"), mnist_slice, verbose=0)
    second = fit(config(tmp_path / "b", "lenet-tutorial"), mnist_slice, verbose=0)
    for w1, w2 in zip(first.classifier.model.get_weights(), second.classifier.model.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    run = tmp_path / "cut"
    fit(config(run, epochs=1), mnist_slice, verbose=0)
    saved = json.loads((run / "config.json").read_text())
    saved["epochs"] = 2
    (run / "config.json").write_text(json.dumps(saved))
    resumed = fit(config(run, epochs=1), mnist_slice, resume=True, verbose=0)
    assert [int(r["epoch"]) for r in csv.DictReader(open(run / "metrics.csv"))] == [1, 2]
    np.testing.assert_allclose([r["loss"] for r in resumed.history], [r["loss"] for r in first.history], rtol=1e-4)


def test_augmented_training_runs_and_is_seeded(tmp_path, mnist_slice):
    a = fit(config(tmp_path / "a", epochs=1, augment="shift-rotate"), mnist_slice, verbose=0, save=False)
    b = fit(config(tmp_path / "b", epochs=1, augment="shift-rotate"), mnist_slice, verbose=0, save=False)
    plain = fit(config(tmp_path / "c", epochs=1), mnist_slice, verbose=0, save=False)
    assert a.history[0]["loss"] == pytest.approx(b.history[0]["loss"], rel=1e-5)
    assert a.history[0]["loss"] != pytest.approx(plain.history[0]["loss"], rel=1e-5)


def test_reload_in_a_fresh_process_gives_identical_predictions(tmp_path, mnist_slice):
    fit(config(tmp_path, epochs=1), mnist_slice, verbose=0)
    probe = (mnist_slice.test.images[:7] * 255).round().astype(np.uint8)
    np.save(tmp_path / "probe.npy", probe)
    here = textcnn.load(tmp_path / "model.textcnn").predict_proba(probe)
    code = ("import sys, numpy as np, textcnn; clf = textcnn.load(sys.argv[1]); "
            "np.save(sys.argv[3], clf.predict_proba(np.load(sys.argv[2])))")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "model.textcnn"), str(tmp_path / "probe.npy"),
                    str(tmp_path / "there.npy")], check=True, timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "there.npy"), here)


def test_unknown_architecture(tmp_path, mnist_slice):
    with pytest.raises(TextcnnError, match=r"^`arch` must be one of .*Received: arch='alexnet'$"):
        fit(config(tmp_path, "alexnet"), mnist_slice, verbose=0)


# Two logical CPU devices must be made before TensorFlow starts: a fresh interpreter.
MIRRORED = """
import json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import textcnn
from textcnn.data.image_datasets import load_image_dataset
from textcnn.data.images import ImageDataset
full = load_image_dataset("mnist", download=False)
data = ImageDataset("mnist-slice", full.train.subset(slice(0, 300)), full.dev.subset(slice(0, 100)),
                    full.test.subset(slice(0, 100)), full.class_names)
result = textcnn.train(data, task="image", arch="lenet-tutorial", epochs=2, batch_size=50, strategy="mirrored",
                       tensorboard=False, output_dir=sys.argv[1], verbose=0)
print(json.dumps({"loss": result.history[-1]["loss"],
                  "dtype": str(result.classifier.model.weights[0].dtype)}))
"""


def test_mirrored_and_mixed_precision_training(tmp_path, mnist_slice, data_dir):
    run = subprocess.run([sys.executable, "-c", MIRRORED, str(tmp_path / "mirrored")], capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    mirrored = json.loads(run.stdout.strip().splitlines()[-1])
    assert np.isfinite(mirrored["loss"]) and mirrored["dtype"] == "float32"
    clf = textcnn.load(tmp_path / "mirrored" / "model.textcnn")
    assert clf.predict_proba(mnist_slice.test.images[:5]).shape == (5, 10)
    mixed = fit(config(tmp_path / "mixed", epochs=1, mixed_precision=True), mnist_slice, verbose=0)
    assert all(w.dtype == np.float32 for w in mixed.classifier.model.get_weights())
    assert np.isfinite(mixed.history[0]["loss"])
