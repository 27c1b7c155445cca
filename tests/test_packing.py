"""Packed inference (textcnn.inference.packing, ConvPool.call_packed): the padded model's outputs, for the
real words only."""

import logging

import keras
import numpy as np
import pytest

from tests.numpy_reference import reference_conv
from textcnn.inference.text import TextClassifier
from textcnn.data.batching import pad_batch
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary
from textcnn.layers import ConvPool
from textcnn.models import build_kim_cnn
from textcnn.inference.packing import pack, packed_forward

RNG = np.random.default_rng(0)
LENGTHS = [5, 0, 1, 2, 9, 3]  # an empty sentence, and sentences shorter than the kernels


def test_pack_lays_sentences_out_between_gaps():
    ids, owner = pack([[4, 5], [], [6]], gap=2)
    np.testing.assert_array_equal(ids, [0, 0, 4, 5, 0, 0, 0, 0, 6, 0, 0])
    np.testing.assert_array_equal(owner, [-1, -1, 0, 0, -1, -1, -1, -1, 2, -1, -1])
    assert ids.dtype == owner.dtype == np.int32


def reference_pooled(sentence, layer):
    """NumPy: one sentence alone through `layer` (1-D convolution, bias and relu, global pooling,
    in the layer's order). No window over a word (an empty sentence, or one shorter than a
    "valid" kernel) pools to zeros."""
    kernel, bias = np.asarray(layer.kernel, "float64"), np.asarray(layer.bias, "float64")
    windows = len(sentence) + {"full": kernel.shape[0] - 1, "valid": 1 - kernel.shape[0], "same": 0}[layer.padding]
    if len(sentence) == 0 or windows <= 0:
        out = np.zeros((0, kernel.shape[-1]))
    else:
        out = reference_conv(sentence.astype("float64"), kernel, padding=layer.padding)

    def pool(values):
        if len(values) == 0:
            return np.zeros(kernel.shape[-1])
        return values.max(axis=0) if layer.pooling == "global_max" else values.mean(axis=0)

    if layer.pool_before_activation:
        return np.maximum(pool(out) + bias, 0)
    return pool(np.maximum(out + bias, 0))


@pytest.mark.parametrize("padding", ["full", "valid", "same"])
@pytest.mark.parametrize("pooling", ["global_max", "global_avg"])
@pytest.mark.parametrize("pool_before_activation", [False, True])
def test_conv_pool_packed_matches_numpy_and_the_masked_batch(padding, pooling, pool_before_activation):
    layer = ConvPool(rank=1, filters=4, kernel_size=3, padding=padding, activation="relu", pooling=pooling,
                     pool_before_activation=pool_before_activation,
                     bias_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=1))
    layer.build((None, None, 5))
    sentences = [RNG.normal(size=(n, 5)).astype("float32") for n in LENGTHS]
    gap = 2
    total = sum(LENGTHS) + gap * (len(LENGTHS) + 1)
    packed = np.zeros((total, 5), "float32")
    owner = np.full(total, -1, "int32")
    start = gap
    for number, sentence in enumerate(sentences):
        packed[start:start + len(sentence)] = sentence
        owner[start:start + len(sentence)] = number
        start += len(sentence) + gap
    got = np.asarray(layer.call_packed(packed, owner, len(sentences)))
    assert got.shape == (len(sentences), 4)
    for number, sentence in enumerate(sentences):
        np.testing.assert_allclose(got[number], reference_pooled(sentence, layer), rtol=1e-5, atol=1e-5)
    batch = np.zeros((len(sentences), max(LENGTHS), 5), "float32")
    for row, sentence in enumerate(sentences):
        batch[row, :len(sentence)] = sentence
    mask = np.arange(max(LENGTHS))[None] < np.array(LENGTHS)[:, None]
    np.testing.assert_allclose(got, np.asarray(layer(batch, mask=mask)), rtol=1e-5, atol=1e-5)


def test_conv_pool_refuses_what_it_cannot_pack():
    strided = ConvPool(rank=1, filters=2, kernel_size=3, strides=2, pooling="global_max")
    local = ConvPool(rank=1, filters=2, kernel_size=3, pooling="max", pool_size=2)
    images = ConvPool(rank=2, filters=2, kernel_size=3, pooling="global_max")
    assert not any(layer.packable() for layer in (strided, local, images))
    strided.build((None, None, 3))
    with pytest.raises(ValueError, match="cannot pool packed"):
        strided.call_packed(np.zeros((4, 3), "float32"), np.zeros(4, "int32"), 1)


MATRIX = RNG.normal(size=(40, 6)).astype("float32")


@pytest.mark.parametrize("variant, extra", [
    ("rand", {}), ("static", {}), ("non-static", {}), ("multichannel", {}),
    ("static", {"learned_dim": 3, "word_dropout": 0.2}),
])
def test_every_kim_variant_packs_to_the_padded_probabilities(variant, extra):
    model = build_kim_cnn(vocab_size=40, num_classes=3, variant=variant,
                          embedding_matrix=None if variant == "rand" else MATRIX, embedding_dim=6,
                          region_sizes=(1, 3, 5), feature_maps=4, **extra)
    forward = packed_forward(model)
    assert forward is not None and forward.gap == 4
    sequences = [RNG.integers(1, 40, size=n).tolist() for n in LENGTHS]
    ids, owner = pack(sequences, forward.gap)
    got = np.asarray(forward(ids, owner, len(sequences)))
    np.testing.assert_allclose(got, np.asarray(model(pad_batch(sequences), training=False)), rtol=1e-5, atol=1e-6)


def test_other_models_are_not_packed():
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(40, 6, mask_zero=True)(tokens)
    x = keras.layers.GlobalAveragePooling1D()(x)
    averaging = keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(x))
    strided = build_kim_cnn(vocab_size=40, num_classes=2, embedding_dim=6, region_sizes=(3,), feature_maps=2)
    strided.get_layer("region_conv").convs[0].strides = (2,)
    assert packed_forward(averaging) is None
    assert packed_forward(strided) is None


def classifier(model):
    vocabulary = Vocabulary(["<pad>", "<unk>"] + [f"w{i}" for i in range(38)])
    return TextClassifier(model, Tokenizer(), vocabulary, ["a", "b", "c"])


def test_classifier_predicts_the_same_packed_and_padded():
    model = build_kim_cnn(vocab_size=40, num_classes=3, variant="multichannel", embedding_matrix=MATRIX,
                          region_sizes=(3, 4, 5), feature_maps=8)
    clf = classifier(model)
    sequences = [RNG.integers(1, 40, size=n).tolist() for n in RNG.integers(0, 30, size=300)]
    assert clf.packed_forward() is not None
    packed = clf.predict_proba_encoded(sequences, batch_size=64)
    clf.packing = False
    padded = clf.predict_proba_encoded(sequences, batch_size=64)
    np.testing.assert_allclose(packed, padded, rtol=1e-5, atol=1e-6)
    assert packed.shape == (300, 3)


def test_classifier_falls_back_to_padding_when_the_probe_disagrees(monkeypatch, caplog):
    model = build_kim_cnn(vocab_size=40, num_classes=3, embedding_dim=6, region_sizes=(2, 3), feature_maps=4)
    clf = classifier(model)
    # Packed pooling that differs from the model's (twice the right value).
    conv = model.get_layer("region_conv").convs[0]
    pool = conv._segment_pool
    monkeypatch.setattr(conv, "_segment_pool", lambda *args: 2 * pool(*args) + 1)
    with caplog.at_level(logging.WARNING, logger="textcnn"):
        assert clf.packed_forward() is None
    assert "packed inference disabled" in caplog.text
    monkeypatch.undo()
    sequences = [[3, 4, 5], [6], [7, 8, 9, 10, 11]]
    np.testing.assert_allclose(clf.predict_proba_encoded(sequences),
                               np.asarray(model(pad_batch(sequences), training=False)), rtol=1e-5, atol=1e-6)
