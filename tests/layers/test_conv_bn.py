import numpy as np
import keras
import pytest

from keras_checks import (assert_config_round_trip, assert_save_reload_identical, layer_model,
                          randomize_weights)
from numpy_reference import reference_conv_bn, relu
from textcnn.layers import ConvBN


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
def test_matches_numpy_reference_at_inference(rank, padding, strides):
    x = np.random.default_rng(0).normal(size=(2, *(7,) * rank, 3)).astype("float32")
    layer = ConvBN(rank, 4, 3, strides=strides, padding=padding)
    layer.build(x.shape)
    randomize_weights(layer)
    got = np.asarray(layer(x, training=False))
    for b in range(2):
        np.testing.assert_allclose(got[b], reference_conv_bn(x[b], layer, relu), rtol=1e-4, atol=1e-5)
    assert tuple(layer.compute_output_shape(x.shape)) == got.shape


def test_training_normalises_with_batch_statistics_and_updates_moving_ones():
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(16, 6, 6, 2)).astype("float32")
    layer = ConvBN(2, 3, 1, activation=None)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    assert not np.allclose(np.asarray(layer.batch_norm.moving_mean), 0)
    assert len(layer.trainable_weights) == 3 and len(layer.non_trainable_weights) == 2


def test_config_round_trip_and_save_reload_keep_moving_statistics(tmp_path):
    layer = ConvBN(2, 4, (3, 1), strides=(2, 1), activation="relu", momentum=0.9,
                   kernel_regularizer=keras.regularizers.L2(1e-4))
    model = layer_model(layer, (8, 8, 2))
    randomize_weights(layer, seed=1)
    assert_config_round_trip(layer)
    x = np.random.default_rng(2).normal(size=(2, 8, 8, 2)).astype("float32")
    reloaded = assert_save_reload_identical(model, x, tmp_path / "m.keras")
    np.testing.assert_array_equal(np.asarray(reloaded.layers[-1].batch_norm.moving_variance),
                                  np.asarray(layer.batch_norm.moving_variance))


@pytest.mark.parametrize("kwargs, message", [
    (dict(rank=3), "`rank` must be 1 or 2. Received: rank=3"),
    (dict(filters=0), "`filters` must be a positive integer. Received: filters=0"),
    (dict(padding="full"), "`padding` must be one of ('valid', 'same'). Received: padding='full'"),
    (dict(strides=(2, 2, 2)), "`strides` must be a positive integer or a tuple of 2 positive integers. Received: strides=(2, 2, 2)"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError) as error:
        ConvBN(**{"rank": 2, "filters": 4, "kernel_size": 3, **kwargs})
    assert str(error.value) == message
