"""Shared checks for Keras layers and models: config round trip and save/reload identity."""

import numpy as np
import keras


def assert_config_round_trip(layer):
    """`from_config(get_config())` rebuilds a layer with the same config."""
    config = layer.get_config()
    clone = layer.__class__.from_config(config)
    assert clone.get_config() == config
    return clone


def assert_save_reload_identical(model, x, path, training_steps=0):
    """Saves `model` as ``.keras``, reloads it in safe mode and checks identical outputs on `x`.

    Returns the reloaded model.
    """
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert type(reloaded) is type(model)
    np.testing.assert_array_equal(np.asarray(model(x, training=False)),
                                  np.asarray(reloaded(x, training=False)))
    for before, after in zip(model.weights, reloaded.weights):
        np.testing.assert_array_equal(np.asarray(before), np.asarray(after))
    return reloaded


def layer_model(layer, input_shape):
    """A one-layer functional model around `layer`, for saving tests."""
    inputs = keras.Input(input_shape)
    return keras.Model(inputs, layer(inputs))


def randomize_weights(layer, seed=0):
    """Gives every weight (batch-norm statistics included) random values, so that a reference
    test cannot pass by the accident of ones and zeros; moving variances stay positive."""
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        shape = tuple(weight.shape)
        if weight.path.endswith("moving_variance"):
            value = rng.uniform(0.5, 2.0, size=shape)
        else:
            value = rng.normal(scale=0.5, size=shape)
        weight.assign(value.astype(weight.dtype))
