import numpy as np
import keras
import pytest

from textcnn.layers import RegionConv


def reference_region_conv(x, kernels, biases):
    """NumPy Kim convolution: zero-pad h-1 each side, relu(w.x+b) per window, max over time."""
    outputs = []
    for kernel, bias in zip(kernels, biases):
        h = kernel.shape[0]
        padded = np.concatenate([np.zeros((h - 1, x.shape[1])), x, np.zeros((h - 1, x.shape[1]))])
        windows = np.stack([padded[s: s + h] for s in range(len(padded) - h + 1)])  # (n, h, d)
        c = np.maximum(np.einsum("nhd,hdf->nf", windows, kernel) + bias, 0)
        outputs.append(c.max(axis=0))
    return np.concatenate(outputs)


def make_layer(region_sizes=(2, 3, 4), feature_maps=2, dim=5, seed=0):
    layer = RegionConv(region_sizes, feature_maps, bias_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=seed),
                       kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
    layer.build((None, None, dim))
    return layer


def weights_of(layer):
    kernels = [np.asarray(c.kernel) for c in layer.convs]
    biases = [np.asarray(c.bias) for c in layer.convs]
    return kernels, biases


def test_matches_numpy_reference_on_the_7_word_5_dim_example():
    rng = np.random.default_rng(0)
    sentence = rng.normal(size=(7, 5)).astype("float32")
    layer = make_layer()
    got = np.asarray(layer(sentence[None]))[0]
    np.testing.assert_allclose(got, reference_region_conv(sentence, *weights_of(layer)), rtol=1e-5, atol=1e-6)
    assert got.shape == (6,)


def test_output_independent_of_batch_padding():
    rng = np.random.default_rng(1)
    lengths = [7, 3, 1, 12]
    layer = make_layer(region_sizes=(3, 4, 5), feature_maps=3, dim=4)
    for total in (12, 20):
        batch = rng.normal(size=(len(lengths), total, 4)).astype("float32")  # padding holds garbage
        mask = np.arange(total)[None] < np.array(lengths)[:, None]
        together = np.asarray(layer(batch, mask=mask))
        for row, length in enumerate(lengths):
            alone = np.asarray(layer(batch[row: row + 1, :length]))[0]
            np.testing.assert_allclose(together[row], alone, rtol=1e-5, atol=1e-6)
            expected = reference_region_conv(batch[row, :length], *weights_of(layer))
            np.testing.assert_allclose(alone, expected, rtol=1e-5, atol=1e-6)


def test_sentence_shorter_than_largest_region_does_not_crash():
    layer = make_layer(region_sizes=(3, 4, 5), feature_maps=2, dim=5)
    word = np.ones((1, 1, 5), "float32")
    out = np.asarray(layer(word))
    assert out.shape == (1, 6) and np.isfinite(out).all()
    np.testing.assert_allclose(out[0], reference_region_conv(word[0], *weights_of(layer)), rtol=1e-5, atol=1e-6)


def test_fully_masked_sentence_pools_to_zeros():
    layer = make_layer()
    out = np.asarray(layer(np.ones((1, 4, 5), "float32"), mask=np.zeros((1, 4), bool)))
    np.testing.assert_array_equal(out, np.zeros((1, 6)))


def test_compute_output_shape_and_config_round_trip():
    layer = make_layer()
    assert layer.compute_output_shape((None, None, 5)) == (None, 6)
    clone = RegionConv.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    clone.build((None, None, 5))
    clone.set_weights(layer.get_weights())
    x = np.random.default_rng(2).normal(size=(2, 6, 5)).astype("float32")
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(layer(x)))


def test_save_and_reload_give_identical_outputs(tmp_path):
    inputs = keras.Input((None, 5))
    model = keras.Model(inputs, RegionConv((2, 3), 4)(inputs))
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(3).normal(size=(3, 9, 5)).astype("float32")
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(reloaded(x)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(region_sizes=()), "`region_sizes` must be a non-empty list of positive integers. Received: region_sizes=()"),
    (dict(region_sizes=(3, 0)), "`region_sizes` must be a non-empty list of positive integers. Received: region_sizes=(3, 0)"),
    (dict(feature_maps=0), "`feature_maps` must be a positive integer. Received: feature_maps=0"),
    (dict(padding="causal"), "`padding` must be one of ('valid', 'same', 'full'). Received: padding='causal'"),
])
def test_invalid_arguments_are_rejected_at_construction(kwargs, message):
    with pytest.raises(ValueError) as error:
        RegionConv(**kwargs)
    assert str(error.value) == message


def test_wrong_input_rank_is_rejected():
    with pytest.raises(ValueError, match="expects inputs of shape \\(batch, time, features\\)"):
        RegionConv((2,), 2)(np.zeros((2, 5), "float32"))
