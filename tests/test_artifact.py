"""The model artifact: one file, identical predictions after reloading in a fresh process."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import textcnn
from textcnn.config import TrainConfig
from textcnn.data.formats import LabeledTexts
from textcnn.data.tokenizer import Tokenizer
from textcnn.errors import TextcnnError
from textcnn.training import train_on_splits

TEXTS = ["a gripping film", "dull and tedious", "a wonderful , moving story", "boring , flat , lifeless",
         "brilliant acting", "a waste of time", "charming and funny", "painfully slow"] * 4
LABELS = ["pos", "neg"] * 16
PROBE = ["a gripping , wonderful film", "", "x", "Ünïcödé text ✓ 中文", "dull " * 300,
         "words never seen before zzz", "boring"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    config = TrainConfig.from_preset("fast", dataset="toy", feature_maps=4, embedding_dim=8, epochs=2,
                                     region_sizes=(2, 3, 4))
    data = LabeledTexts(TEXTS, LABELS)
    result = train_on_splits(config, data, data, data, ["neg", "pos"], Tokenizer(), verbose=0)
    path = result.classifier.save(tmp_path_factory.mktemp("model") / "model.textcnn")
    return result.classifier, path


def test_artifact_is_one_zip_with_manifest_vocabulary_and_model(trained):
    classifier, path = trained
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "model.keras", "vocabulary.txt"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "textcnn-model" and manifest["format_version"] == 1
    assert manifest["labels"] == ["neg", "pos"]
    assert manifest["tokenizer"] == {"scheme": "kim", "lowercase": True, "max_tokens": None}
    assert manifest["config"]["feature_maps"] == 4
    assert set(manifest["evaluation"]) == {"test", "dev_accuracy", "best_epoch"}
    assert manifest["embeddings"] == {"variant": "rand", "source": None}


def test_reload_in_fresh_process_gives_identical_predictions(trained, tmp_path):
    classifier, path = trained
    expected = classifier.predict_proba(PROBE)
    script = (
        "import json, sys, textcnn\n"
        "clf = textcnn.load(sys.argv[1])\n"
        "print(json.dumps(clf.predict_proba(json.loads(sys.argv[2])).tolist()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path), json.dumps(PROBE)],
                         capture_output=True, text=True, check=True)
    got = np.array(json.loads(out.stdout.strip().splitlines()[-1]), dtype="float32")
    np.testing.assert_array_equal(got, expected)


def test_predict_api_top_k_threshold_and_labels(trained):
    _, path = trained
    clf = textcnn.load(path)
    assert clf.labels == ["neg", "pos"]
    top = clf.predict(["a gripping film"], k=2)
    assert [label for label, _ in top[0]] in (["pos", "neg"], ["neg", "pos"])
    assert top[0][0][1] >= top[0][1][1] and abs(sum(p for _, p in top[0]) - 1) < 1e-5
    assert clf.predict(["a gripping film"], k=2, threshold=1.01) == [[]]
    assert clf.predict_proba("one text").shape == (1, 2)
    with pytest.raises(TextcnnError, match="`k` must be at least 1"):
        clf.predict(["x"], k=0)


def test_batching_does_not_change_predictions(trained):
    classifier, _ = trained
    together = classifier.predict_proba(PROBE, batch_size=256)
    one_by_one = np.concatenate([classifier.predict_proba([t]) for t in PROBE])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-5, atol=1e-6)


def rewrite_manifest(source, target, **changes):
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    members["manifest.json"] = json.dumps(manifest)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_newer_format_version_is_refused(trained, tmp_path):
    rewrite_manifest(trained[1], tmp_path / "new.textcnn", format_version=99)
    with pytest.raises(TextcnnError) as error:
        textcnn.load(tmp_path / "new.textcnn")
    assert "model format version 99, newer than this textcnn reads (1); upgrade textcnn" in str(error.value)


def test_corrupt_and_foreign_files_are_refused(trained, tmp_path):
    (tmp_path / "junk.textcnn").write_bytes(b"\x00not a zip")
    with pytest.raises(TextcnnError, match="is not a textcnn model file, or it is corrupt"):
        textcnn.load(tmp_path / "junk.textcnn")
    truncated = tmp_path / "cut.textcnn"
    truncated.write_bytes(trained[1].read_bytes()[:-5000])
    with pytest.raises(TextcnnError):
        textcnn.load(truncated)
    rewrite_manifest(trained[1], tmp_path / "other.textcnn", format="something-else")
    with pytest.raises(TextcnnError, match="is not a textcnn model"):
        textcnn.load(tmp_path / "other.textcnn")
    with pytest.raises(TextcnnError, match="No such model file"):
        textcnn.load(tmp_path / "missing.textcnn")


def test_the_artifact_holds_no_training_state(tmp_path):
    """A trained (compiled) model is saved without its optimizer's variables, and predicts the same."""
    import io
    import zipfile

    import h5py
    import keras
    import numpy as np

    from textcnn.inference import TextClassifier, load
    from textcnn.models import build_kim_cnn
    from textcnn.data.tokenizer import Tokenizer
    from textcnn.data.vocabulary import Vocabulary

    model = build_kim_cnn(vocab_size=50, num_classes=2, embedding_dim=8, feature_maps=4, region_sizes=(1, 2))
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    model.fit(np.random.default_rng(0).integers(1, 50, (16, 5)), np.arange(16) % 2, epochs=1, verbose=0)
    vocabulary = Vocabulary(["<pad>", "<unk>", *[f"w{i}" for i in range(48)]])
    clf = TextClassifier(model, Tokenizer(), vocabulary, ["a", "b"])
    path = clf.save(tmp_path / "model.textcnn")
    inner = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(path).read("model.keras")))
    with h5py.File(io.BytesIO(inner.read("model.weights.h5"))) as weights:
        assert "optimizer" not in weights
    texts = ["w1 w2 w3", "w4", "w5 w6"]
    np.testing.assert_allclose(load(path).predict_proba(texts), clf.predict_proba(texts), atol=1e-6)
    assert model.optimizer is not None  # the caller's model is left as it was
