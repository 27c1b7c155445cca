import numpy as np
import keras
import pytest

from keras_checks import assert_config_round_trip, assert_save_reload_identical, layer_model
from numpy_reference import reference_conv, reference_pool
from textcnn.layers import ConvPool


@pytest.mark.parametrize("padding", ["valid", "same", "full"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("pooling", [None, "max", "avg", "global_max", "global_avg"])
def test_2d_matches_numpy_reference(padding, stride, pooling):
    rng = np.random.default_rng(0)
    image = rng.normal(size=(2, 9, 8, 3)).astype("float32")
    layer = ConvPool(2, 4, (3, 2), strides=stride, padding=padding, activation="tanh", pooling=pooling,
                     bias_initializer=keras.initializers.RandomUniform(-1, 1, seed=1))
    got = np.asarray(layer(image))
    kernel, bias = (np.asarray(w) for w in layer.weights)
    for b in range(2):
        expected = np.tanh(reference_conv(image[b], kernel, bias, stride, padding))
        if pooling in ("max", "avg"):
            expected = reference_pool(expected, 2, pooling)
        elif pooling == "global_max":
            expected = expected.max(axis=(0, 1))
        elif pooling == "global_avg":
            expected = expected.mean(axis=(0, 1))
        np.testing.assert_allclose(got[b], expected, rtol=1e-4, atol=1e-5)
    assert tuple(layer.compute_output_shape(image.shape)) == got.shape


@pytest.mark.parametrize("padding", ["valid", "same", "full"])
def test_1d_masked_global_max_is_padding_invariant(padding):
    rng = np.random.default_rng(4)
    layer = ConvPool(1, 3, 3, padding=padding, activation="relu", pooling="global_max")
    batch = rng.normal(size=(3, 10, 4)).astype("float32")
    lengths = np.array([10, 5, 3])
    mask = np.arange(10)[None] < lengths[:, None]
    together = np.asarray(layer(batch, mask=mask))
    for row, length in enumerate(lengths):
        np.testing.assert_allclose(together[row], np.asarray(layer(batch[row: row + 1, :length]))[0],
                                   rtol=1e-5, atol=1e-6)


def test_1d_masked_global_avg_averages_real_positions_only():
    layer = ConvPool(1, 2, 2, padding="valid", pooling="global_avg")
    x = np.random.default_rng(5).normal(size=(1, 6, 3)).astype("float32")
    mask = np.array([[True, True, True, True, False, False]])
    np.testing.assert_allclose(np.asarray(layer(x, mask=mask)), np.asarray(layer(x[:, :4])), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pool_before_activation", [False, True])
def test_config_round_trip_and_save_reload(tmp_path, pool_before_activation):
    layer = ConvPool(2, 5, 3, padding="same", activation="relu", pooling="max",
                     pool_before_activation=pool_before_activation,
                     kernel_constraint=keras.constraints.MaxNorm(2.0))
    model = layer_model(layer, (12, 12, 1))
    assert_config_round_trip(layer)
    x = np.random.default_rng(6).normal(size=(2, 12, 12, 1)).astype("float32")
    assert_save_reload_identical(model, x, tmp_path / "m.keras")


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_lenet_tutorial_order_pools_then_adds_bias_and_tanh(rank, pooling):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, *(9,) * rank, 3)).astype("float32")
    layer = ConvPool(rank, 4, 3, activation="tanh", pooling=pooling, pool_before_activation=True,
                     bias_initializer=keras.initializers.RandomUniform(-1, 1, seed=2))
    got = np.asarray(layer(x))
    kernel, bias = (np.asarray(w) for w in layer.weights)
    for b in range(2):
        expected = np.tanh(reference_pool(reference_conv(x[b], kernel), 2, pooling) + bias)
        np.testing.assert_allclose(got[b], expected, rtol=1e-4, atol=1e-5)
    assert tuple(layer.compute_output_shape(x.shape)) == got.shape
    if pooling == "max":  # same as the usual order for a monotonic activation
        usual = ConvPool.from_config({**layer.get_config(), "pool_before_activation": False})
        usual.build(x.shape)
        usual.set_weights(layer.get_weights())
        np.testing.assert_allclose(np.asarray(usual(x)), got, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(rank=3, filters=1, kernel_size=1), "`rank` must be 1 or 2. Received: rank=3"),
    (dict(rank=1, filters=0, kernel_size=1), "`filters` must be a positive integer. Received: filters=0"),
    (dict(rank=2, filters=1, kernel_size=(3,)), "`kernel_size` must be a positive integer or a tuple of 2 positive integers. Received: kernel_size=(3,)"),
    (dict(rank=1, filters=1, kernel_size=2, pooling="median"), "`pooling` must be one of (None, 'max', 'avg', 'global_max', 'global_avg'). Received: pooling='median'"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError) as error:
        ConvPool(**kwargs)
    assert str(error.value) == message


def test_rank_mismatch_is_rejected():
    with pytest.raises(ValueError, match="with rank=2 expects inputs of rank 4"):
        ConvPool(2, 1, 2)(np.zeros((1, 5, 3), "float32"))
