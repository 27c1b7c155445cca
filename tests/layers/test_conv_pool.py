import numpy as np
import keras
import pytest

from textcnn.layers import ConvPool


def reference_conv2d(x, kernel, bias, stride, padding):
    """NumPy 2-D convolution (cross-correlation) of one image (H, W, C) -> (H', W', F)."""
    kh, kw = kernel.shape[:2]
    if padding == "full":
        x = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    elif padding == "same":
        out_h, out_w = -(-x.shape[0] // stride), -(-x.shape[1] // stride)
        pad_h = max((out_h - 1) * stride + kh - x.shape[0], 0)
        pad_w = max((out_w - 1) * stride + kw - x.shape[1], 0)
        x = np.pad(x, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    rows = (x.shape[0] - kh) // stride + 1
    cols = (x.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols, kernel.shape[-1]))
    for i in range(rows):
        for j in range(cols):
            patch = x[i * stride: i * stride + kh, j * stride: j * stride + kw]
            out[i, j] = np.einsum("hwc,hwcf->f", patch, kernel) + bias
    return out


def reference_pool(x, size, kind):
    rows, cols = x.shape[0] // size, x.shape[1] // size
    blocks = x[: rows * size, : cols * size].reshape(rows, size, cols, size, -1)
    return blocks.max(axis=(1, 3)) if kind == "max" else blocks.mean(axis=(1, 3))


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
        expected = np.tanh(reference_conv2d(image[b], kernel, bias, stride, padding))
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


def test_config_round_trip_and_save_reload(tmp_path):
    inputs = keras.Input((12, 12, 1))
    layer = ConvPool(2, 5, 3, padding="same", activation="relu", pooling="max",
                     kernel_constraint=keras.constraints.MaxNorm(2.0))
    model = keras.Model(inputs, layer(inputs))
    assert ConvPool.from_config(layer.get_config()).get_config() == layer.get_config()
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.random.default_rng(6).normal(size=(2, 12, 12, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(reloaded(x)))


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
