import json

import numpy as np
import keras
import pytest

from textcnn.models import build_kim_cnn

VOCAB, DIM = 30, 6
RNG = np.random.default_rng(0)
MATRIX = RNG.normal(size=(VOCAB, DIM)).astype("float32")
X = np.array([[3, 4, 5, 6, 0, 0], [7, 8, 0, 0, 0, 0], [9, 10, 11, 12, 13, 14]], "int32")
Y = np.array([0, 1, 2], "int32")


def build(variant, **kwargs):
    matrix = None if variant == "rand" else MATRIX
    model = build_kim_cnn(vocab_size=VOCAB, num_classes=3, variant=variant, embedding_matrix=matrix,
                          embedding_dim=DIM, region_sizes=(2, 3), feature_maps=4, **kwargs)
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("variant", ["rand", "static", "non-static", "multichannel"])
def test_every_variant_builds_and_trains_a_step(variant):
    model = build(variant)
    before = {w.path: np.asarray(w).copy() for w in model.weights}
    loss = model.train_on_batch(X, Y)
    assert np.isfinite(loss)
    after = {w.path: np.asarray(w) for w in model.weights}
    changed = {path for path in before if not np.array_equal(before[path], after[path])}
    static = [p for p in before if "embedding_static" in p]
    tuned = [p for p in before if p.startswith("embedding/")]
    if variant == "static":
        assert not any(p.startswith("embedding/") for p in changed)
    else:
        assert set(tuned) <= changed
    assert not set(static) & changed
    assert any("region_conv" in p for p in changed)
    probabilities = np.asarray(model(X))
    np.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-5)


@pytest.mark.parametrize("variant", ["static", "non-static", "multichannel"])
def test_pretrained_vectors_enter_as_weights_not_config(variant):
    model = build(variant)
    np.testing.assert_array_equal(np.asarray(model.get_layer("embedding").embeddings), MATRIX)
    config = json.dumps(model.get_config())
    assert len(config) < 20_000 and repr(float(MATRIX[3, 3]))[:8] not in config


def test_multichannel_filters_span_both_channels():
    model = build("multichannel")
    kernel = model.get_layer("region_conv").convs[0].kernel
    assert tuple(kernel.shape) == (2, 2 * DIM, 4)


@pytest.mark.parametrize("variant, channels", [("static", 1), ("multichannel", 2)])
def test_a_learned_channel_beside_frozen_vectors(variant, channels):
    model = build(variant, learned_dim=5)
    kernel = model.get_layer("region_conv").convs[0].kernel
    assert tuple(kernel.shape) == (2, channels * DIM + 5, 4)
    learned = model.get_layer("embedding_learned")
    assert learned.trainable and tuple(learned.embeddings.shape) == (VOCAB, 5)
    frozen = np.asarray(model.get_layer("embedding_static" if channels == 2 else "embedding").embeddings).copy()
    before = np.asarray(learned.embeddings).copy()
    model.train_on_batch(X, Y)
    assert not np.array_equal(np.asarray(learned.embeddings), before)
    frozen_after = model.get_layer("embedding_static" if channels == 2 else "embedding").embeddings
    np.testing.assert_array_equal(np.asarray(frozen_after), frozen)


def test_prediction_does_not_depend_on_batch_padding():
    model = build("non-static")
    padded = np.asarray(model(np.pad(X, ((0, 0), (0, 7)))))
    for row, length in enumerate((4, 2, 6)):
        alone = np.asarray(model(X[row: row + 1, :length]))
        np.testing.assert_allclose(padded[row], alone[0], rtol=1e-5, atol=1e-6)


def test_max_norm_holds_after_updates():
    model = build("rand", max_norm=0.5)
    for _ in range(5):
        model.train_on_batch(X, Y)
    kernel = np.asarray(model.get_layer("probabilities").kernel)
    assert np.all(np.linalg.norm(kernel, axis=0) <= 0.5 + 1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(variant="static"), "The 'static' variant needs `embedding_matrix`."),
    (dict(variant="rand", embedding_matrix=MATRIX), "The 'rand' variant learns its embeddings; do not pass `embedding_matrix`."),
    (dict(variant="non-static", embedding_matrix=MATRIX[:5]), "`embedding_matrix` must have shape (30, dim). Received: shape=(5, 6)"),
    (dict(variant="rand", learned_dim=5), "`learned_dim` adds a learned channel beside pretrained vectors: it must be >= 0 and 0 for 'rand' (use `embedding_dim`). Received: learned_dim=5, variant='rand'"),
    (dict(word_dropout=1.0), "`word_dropout` must be in [0, 1). Received: word_dropout=1.0"),
    (dict(variant="bogus"), "`variant` must be one of ('rand', 'static', 'non-static', 'multichannel'). Received: variant='bogus'"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError) as error:
        build_kim_cnn(vocab_size=VOCAB, num_classes=3, **kwargs)
    assert str(error.value) == message


def test_word_dropout_zeroes_whole_words_in_training_only():
    model = build("non-static", word_dropout=0.5)
    embedded = keras.Model(model.input, model.get_layer("embedding").output)
    dropped = keras.Model(model.input, model.get_layer("word_dropout").output)
    tokens = np.tile(X, (20, 1))
    reference = np.asarray(embedded(tokens))
    train = np.asarray(dropped(tokens, training=True))
    kept = np.all(np.isclose(train, 2 * reference), axis=-1)  # kept words are scaled by 1 / (1 - 0.5)
    zeroed = np.all(train == 0, axis=-1)
    assert np.all(kept | zeroed)  # every word is dropped whole or kept whole
    share = zeroed[tokens != 0].mean()
    assert 0.35 < share < 0.65
    np.testing.assert_allclose(np.asarray(dropped(tokens, training=False)), reference)
    plain = build("non-static")
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(model(X)), np.asarray(plain(X)), rtol=1e-6)


def test_no_word_dropout_layer_by_default():
    assert "word_dropout" not in [layer.name for layer in build("rand").layers]
