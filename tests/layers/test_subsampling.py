import numpy as np
import keras
import pytest

from keras_checks import assert_config_round_trip, assert_save_reload_identical, layer_model
from numpy_reference import reference_pool
from textcnn.layers import Subsampling, scaled_tanh

RANDOM = keras.initializers.RandomUniform(-1, 1, seed=0)


@pytest.mark.parametrize("rank, pool_size, strides, size", [
    (2, 2, None, 7), (2, (3, 2), None, 9), (2, 3, 2, 8), (1, 2, None, 9), (1, 3, 1, 6),
])
def test_matches_numpy_reference(rank, pool_size, strides, size):
    x = np.random.default_rng(1).normal(size=(2, *(size,) * rank, 3)).astype("float32")
    layer = Subsampling(rank, pool_size, strides=strides, activation="tanh",
                        coefficient_initializer=RANDOM, bias_initializer=RANDOM)
    got = np.asarray(layer(x))
    coefficient, bias = (np.asarray(w) for w in layer.weights)
    for b in range(2):
        expected = np.tanh(reference_pool(x[b], pool_size, "avg", strides=strides) * coefficient + bias)
        np.testing.assert_allclose(got[b], expected, rtol=1e-5, atol=1e-6)
    assert tuple(layer.compute_output_shape(x.shape)) == got.shape
    assert layer.count_params() == 6  # one coefficient and one bias per map


def test_config_round_trip_and_save_reload_with_scaled_tanh(tmp_path):
    layer = Subsampling(2, activation=scaled_tanh, coefficient_initializer=RANDOM)
    assert_config_round_trip(layer)
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 4)).astype("float32")
    assert_save_reload_identical(layer_model(layer, (6, 6, 4)), x, tmp_path / "m.keras")


def test_scaled_tanh_maps_plus_minus_one_to_itself():
    np.testing.assert_allclose(np.asarray(scaled_tanh(np.array([-1.0, 0.0, 1.0]))), [-1, 0, 1], atol=2e-4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(rank=3), "`rank` must be 1 or 2. Received: rank=3"),
    (dict(rank=2, pool_size=0), "`pool_size` must be a positive integer or a tuple of 2 positive integers. Received: pool_size=(0, 0)"),
    (dict(rank=1, strides=(1, 1)), "`strides` must be a positive integer or a tuple of 1 positive integers. Received: strides=(1, 1)"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError) as error:
        Subsampling(**kwargs)
    assert str(error.value) == message
