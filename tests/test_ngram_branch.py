"""The Kim CNN with a bag-of-n-grams branch (build_kim_cnn(ngram_buckets=...)): it trains, saves,
loads and packs like the rest."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

import textcnn.inference
from textcnn.config import TrainConfig
from textcnn.data.batching import pad_batch
from textcnn.data.formats import LabeledTexts
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary
from textcnn.errors import TextcnnError
from textcnn.inference.packing import pack, packed_forward
from textcnn.inference.text import TextClassifier
from textcnn.layers import NgramBag
from textcnn.models import build_kim_cnn
from textcnn.training import train_on_splits
from textcnn.training.text import arguments_of

RNG = np.random.default_rng(0)
VOCAB = 40
MATRIX = RNG.normal(size=(VOCAB, 6)).astype("float32")
LENGTHS = [5, 0, 1, 2, 9, 3]
X = np.array([[3, 4, 5, 6, 0, 0], [7, 8, 0, 0, 0, 0], [9, 10, 11, 12, 13, 14]], "int32")
Y = np.array([0, 1, 2], "int32")


def build(variant="rand", **kwargs):
    return build_kim_cnn(vocab_size=VOCAB, num_classes=3, variant=variant,
                         embedding_matrix=None if variant == "rand" else MATRIX, embedding_dim=6,
                         feature_maps=4, ngram_buckets=kwargs.pop("ngram_buckets", 53),
                         ngram_dim=kwargs.pop("ngram_dim", 5), **kwargs)


def test_the_branch_is_concatenated_with_the_pooled_features_and_trains():
    model = build(region_sizes=(2, 3))
    assert isinstance(model.get_layer("ngram_bag"), NgramBag)
    assert model.get_layer("features").output.shape == (None, 2 * 4 + 5)
    assert model.get_layer("probabilities").kernel.shape == (13, 3)
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="sparse_categorical_crossentropy")
    before = {w.path: np.asarray(w).copy() for w in model.weights}
    assert np.isfinite(model.train_on_batch(X, Y))
    changed = {w.path for w in model.weights if not np.array_equal(before[w.path], np.asarray(w))}
    assert {"ngram_bag/unigrams", "ngram_bag/bigrams"} <= changed
    assert any("region_conv" in p for p in changed) and any(p.startswith("embedding/") for p in changed)


def test_no_branch_by_default_and_bad_sizes_are_refused():
    plain = build_kim_cnn(vocab_size=VOCAB, num_classes=2, embedding_dim=6, feature_maps=4)
    assert not any(isinstance(layer, NgramBag) for layer in plain.layers)
    with pytest.raises(ValueError, match="ngram_buckets"):
        build(ngram_buckets=-1)
    with pytest.raises(ValueError, match="ngram_dim"):
        build(ngram_dim=0)


def test_config_fields_reach_the_builder_and_are_validated():
    config = TrainConfig.from_preset("fast", ngram_buckets=200_000, ngram_dim=50)
    assert arguments_of(build_kim_cnn, config)["ngram_buckets"] == 200_000
    assert arguments_of(build_kim_cnn, config)["ngram_dim"] == 50
    assert TrainConfig().ngram_buckets == 0
    with pytest.raises(TextcnnError, match="ngram_buckets"):
        TrainConfig(ngram_buckets=-1)
    with pytest.raises(TextcnnError, match="ngram_dim"):
        TrainConfig(ngram_dim=0)
    with pytest.raises(TextcnnError, match="option of text models"):
        TrainConfig(task="image", ngram_buckets=10)


def test_keras_save_and_load(tmp_path):
    model = build(region_sizes=(2, 3))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(model(X)), rtol=1e-6)


@pytest.mark.parametrize("variant, extra", [
    ("rand", {}), ("multichannel", {}), ("static", {"learned_dim": 3, "word_dropout": 0.2}),
    ("rand", {"region_sizes": (1,)}),  # no gap between packed sentences: bigrams must still not cross
])
def test_packs_to_the_padded_probabilities(variant, extra):
    model = build(variant, **{"region_sizes": (1, 3, 5), **extra})
    # Larger n-gram vectors than their 1/dim start, so that a wrong n-gram shows.
    bag = model.get_layer("ngram_bag")
    bag.set_weights([RNG.normal(size=w.shape).astype("float32") for w in bag.get_weights()])
    forward = packed_forward(model)
    assert forward is not None
    sequences = [RNG.integers(1, VOCAB, size=n).tolist() for n in LENGTHS]
    ids, owner = pack(sequences, forward.gap)
    got = np.asarray(forward(ids, owner, len(sequences)))
    np.testing.assert_allclose(got, np.asarray(model(pad_batch(sequences), training=False)), rtol=1e-5, atol=1e-6)


def test_an_unknown_layer_beside_the_convolutions_is_not_packed():
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 6, mask_zero=True)(tokens)
    from textcnn.layers import RegionConv

    pooled = RegionConv((2, 3), 4)(x)
    other = keras.layers.GlobalAveragePooling1D()(x)
    features = keras.layers.Concatenate()([pooled, other])
    model = keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(features))
    assert packed_forward(model) is None


def test_textcnn_artifact_saves_loads_and_packs(tmp_path):
    model = build(region_sizes=(3, 4, 5))
    vocabulary = Vocabulary(["<pad>", "<unk>"] + [f"w{i}" for i in range(VOCAB - 2)])
    classifier = TextClassifier(model, Tokenizer(), vocabulary, ["a", "b", "c"])
    path = classifier.save(tmp_path / "model.textcnn")
    loaded = textcnn.inference.load(path)
    assert isinstance(loaded.model.get_layer("ngram_bag"), NgramBag)
    assert loaded.packed_forward() is not None  # the load-time probe: packed == padded
    texts = [" ".join(f"w{i}" for i in RNG.integers(0, VOCAB - 2, size=n)) for n in RNG.integers(0, 20, size=50)]
    expected = classifier.predict_proba(texts)
    np.testing.assert_allclose(loaded.predict_proba(texts), expected, rtol=1e-5, atol=1e-6)
    loaded.packing = False
    np.testing.assert_allclose(loaded.predict_proba(texts), expected, rtol=1e-5, atol=1e-6)


TEXTS = ["a gripping film", "dull and tedious", "a wonderful , moving story", "boring , flat , lifeless",
         "brilliant acting", "a waste of time", "charming and funny", "painfully slow"] * 4
LABELS = ["pos", "neg"] * 16
PROBE = ["a gripping , wonderful film", "", "x", "dull " * 50, "a waste of a gripping film", "boring"]


def test_training_with_the_branch_and_reloading_in_a_fresh_process(tmp_path):
    config = TrainConfig.from_preset("fast", dataset="toy", feature_maps=4, embedding_dim=8, epochs=2,
                                     region_sizes=(2, 3), ngram_buckets=1000, ngram_dim=8, tensorboard=False)
    data = LabeledTexts(TEXTS, LABELS)
    result = train_on_splits(config, data, data, data, ["neg", "pos"], Tokenizer(), verbose=0)
    model = result.classifier.model
    assert model.get_layer("ngram_bag").buckets == 1000
    assert result.classifier.packed_forward() is not None
    path = result.classifier.save(tmp_path / "model.textcnn")
    expected = result.classifier.predict_proba(PROBE)
    script = (
        "import json, sys, textcnn\n"
        "clf = textcnn.load(sys.argv[1])\n"
        "assert clf.packed_forward() is not None\n"
        "print(json.dumps([clf.manifest['config']['ngram_buckets'], clf.predict_proba(json.loads(sys.argv[2])).tolist()]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path), json.dumps(PROBE)],
                         capture_output=True, text=True, check=True)
    buckets, probabilities = json.loads(out.stdout.strip().splitlines()[-1])
    assert buckets == 1000
    np.testing.assert_array_equal(np.array(probabilities, dtype="float32"), expected)
