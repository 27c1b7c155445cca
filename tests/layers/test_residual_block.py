import numpy as np
import pytest

from keras_checks import (assert_config_round_trip, assert_save_reload_identical, layer_model,
                          randomize_weights)
from numpy_reference import reference_conv_bn, relu
from textcnn.layers import ResidualBlock


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("filters, strides, projection", [(3, 1, False), (5, 1, True), (3, 2, True)])
def test_matches_numpy_reference(rank, filters, strides, projection):
    x = np.random.default_rng(0).normal(size=(2, *(6,) * rank, 3)).astype("float32")
    block = ResidualBlock(rank, filters, strides=strides)
    block.build(x.shape)
    randomize_weights(block)
    assert block.projection is projection
    got = np.asarray(block(x, training=False))
    for b in range(2):
        main = reference_conv_bn(reference_conv_bn(x[b], block.conv1, relu), block.conv2)
        shortcut = reference_conv_bn(x[b], block.shortcut) if projection else x[b]
        np.testing.assert_allclose(got[b], relu(main + shortcut), rtol=1e-4, atol=1e-4)
    assert tuple(block.compute_output_shape(x.shape)) == got.shape


@pytest.mark.parametrize("filters, strides", [(4, 1), (8, 2)])
def test_config_round_trip_and_save_reload(tmp_path, filters, strides):
    block = ResidualBlock(2, filters, strides=strides)
    model = layer_model(block, (6, 6, 4))
    randomize_weights(block, seed=3)
    assert_config_round_trip(block)
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 4)).astype("float32")
    reloaded = assert_save_reload_identical(model, x, tmp_path / "m.keras")
    assert reloaded.layers[-1].projection is block.projection


def test_trains_end_to_end_in_a_model():
    import keras
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.GlobalAveragePooling2D()(ResidualBlock(2, 4, strides=2)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy")
    loss = model.train_on_batch(np.random.default_rng(2).normal(size=(4, 6, 6, 2)), np.array([0, 1, 0, 1]))
    assert np.isfinite(loss)


@pytest.mark.parametrize("kwargs, message", [
    (dict(rank=0), "`rank` must be 1 or 2. Received: rank=0"),
    (dict(filters=-1), "`filters` must be a positive integer. Received: filters=-1"),
    (dict(strides=0), "`strides` must be a positive integer or a tuple of 2 positive integers. Received: strides=(0, 0)"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError) as error:
        ResidualBlock(**{"rank": 2, "filters": 4, **kwargs})
    assert str(error.value) == message


def test_wrong_input_rank_is_rejected():
    with pytest.raises(ValueError, match="ResidualBlock with rank=2 expects inputs of rank 4"):
        ResidualBlock(2, 4)(np.zeros((1, 5, 3), "float32"))
