import numpy as np
import keras
import pytest

from keras_checks import assert_save_reload_identical
from textcnn.errors import TextcnnError
from textcnn.models import IMAGE_ARCHITECTURES, ImageModelError, build_image_model

SHAPES = [(28, 28, 1), (32, 32, 3)]


def images(shape, n=4, seed=0):
    return np.random.default_rng(seed).random((n, *shape)).astype("float32")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("arch", IMAGE_ARCHITECTURES)
def test_builds_and_trains_one_step(arch, shape):
    model = build_image_model(arch, shape, 10, seed=0)
    assert model.name == arch.replace("-", "_")
    assert model.input_shape == (None, *shape) and model.output_shape == (None, 10)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    x, y = images(shape), np.array([0, 1, 2, 3])
    before = [np.asarray(w).copy() for w in model.trainable_weights]
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    assert any(not np.array_equal(b, np.asarray(a)) for b, a in zip(before, model.trainable_weights))
    probabilities = np.asarray(model(x, training=False))
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("arch", ["vgg", "resnet", "inception"])
@pytest.mark.parametrize("shape", SHAPES)
def test_modern_nets_have_a_few_hundred_thousand_parameters_and_batch_norm(arch, shape):
    model = build_image_model(arch, shape, 10)
    assert 100_000 <= model.count_params() <= 1_000_000
    assert any("moving_mean" in w.path for w in model.non_trainable_weights)


@pytest.mark.parametrize("arch", IMAGE_ARCHITECTURES)
def test_save_and_reload_give_identical_outputs(arch, tmp_path):
    model = build_image_model(arch, (28, 28, 1), 10, seed=1)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    model.train_on_batch(images((28, 28, 1)), np.array([0, 1, 2, 3]))  # moving statistics move
    reloaded = assert_save_reload_identical(model, images((28, 28, 1), seed=2), tmp_path / "m.keras")
    assert reloaded.name == model.name


def test_lenet5_follows_the_paper():
    model = build_image_model("lenet5", (28, 28, 1), 10)
    c3 = model.get_layer("c3")
    assert c3.count_params() == 1516 and c3.connections == 60
    expected = {"c1": ((28, 28, 6), 156), "s2": ((14, 14, 6), 12), "s4": ((5, 5, 16), 32),
                "c5": ((1, 1, 120), 48_120), "f6": ((84,), 10_164)}
    for name, (shape, params) in expected.items():
        layer = model.get_layer(name)
        assert layer.output.shape[1:] == shape and layer.count_params() == params
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    assert any("c3" in line and "1,516" in line for line in lines)


def test_lenet5_with_a_seeded_random_table():
    tables = [build_image_model("lenet5", (32, 32, 1), 10, seed=3, connection_table="random",
                                connections_per_map=3).get_layer("c3").table for _ in range(2)]
    np.testing.assert_array_equal(*tables)
    assert tables[0].sum(0).tolist() == [3] * 16


def test_lenet_tutorial_pools_before_bias_and_tanh():
    model = build_image_model("lenet-tutorial", (28, 28, 1), 10)
    shapes = [model.get_layer(n).output.shape[1:] for n in ("conv_pool1", "conv_pool2", "hidden")]
    assert shapes == [(12, 12, 20), (4, 4, 50), (500,)]
    assert all(model.get_layer(n).pool_before_activation for n in ("conv_pool1", "conv_pool2"))


def test_larger_and_non_square_images_where_the_architecture_allows():
    for arch in IMAGE_ARCHITECTURES:
        model = build_image_model(arch, (36, 30, 2), 3)
        assert model(images((36, 30, 2), n=1)).shape == (1, 3)


@pytest.mark.parametrize("arch, shape, message", [
    ("lenet5", (8, 8, 1), "`lenet5` needs images of at least 28x28 (they are padded to LeNet-5's 32x32). Received: input_shape=(8, 8, 1)"),
    ("lenet-tutorial", (28, 12, 1), "`lenet-tutorial` needs images of at least 16x16 (two 5x5 convolutions, each with 2x2 pooling). Received: input_shape=(28, 12, 1)"),
    ("vgg", (4, 4, 3), "`vgg` needs images of at least 8x8 (three 2x2 max-poolings). Received: input_shape=(4, 4, 3)"),
    ("resnet", (28, 28), "`input_shape` must be (height, width, channels), three positive integers. Received: input_shape=(28, 28)"),
])
def test_images_too_small_or_badly_shaped_are_rejected(arch, shape, message):
    with pytest.raises(ImageModelError) as error:
        build_image_model(arch, shape, 10)
    assert str(error.value) == message
    assert isinstance(error.value, TextcnnError) and isinstance(error.value, ValueError)


@pytest.mark.parametrize("kwargs, message", [
    (dict(arch="alexnet"), "`arch` must be one of ('lenet5', 'lenet-tutorial', 'vgg', 'resnet', 'inception'). Received: arch='alexnet'"),
    (dict(num_classes=1), "`num_classes` must be at least 2. Received: num_classes=1"),
    (dict(dropout=1.5), "`dropout` must be in [0, 1). Received: dropout=1.5"),
    (dict(arch="vgg", depth=3), "`vgg` does not take the option(s) depth; it takes: widths, convs_per_block."),
    (dict(arch="lenet5", connection_table="random"), "`lenet5`: `connections_per_map` must be a positive integer with a 'random' table. Received: connections_per_map=None"),
])
def test_bad_arguments_are_rejected(kwargs, message):
    kwargs = {"arch": "resnet", "input_shape": (28, 28, 1), "num_classes": 10, **kwargs}
    with pytest.raises(ImageModelError) as error:
        build_image_model(**kwargs)
    assert str(error.value) == message


def test_every_image_preset_names_a_known_architecture():
    from textcnn.config import PRESETS, TrainConfig

    image_presets = [name for name, settings in PRESETS.items() if settings.get("task") == "image"]
    assert {"lenet-tutorial", "lenet-tutorial-fast", "lenet5", "image-modern"} <= set(image_presets)
    for name in image_presets:
        assert TrainConfig.from_preset(name).arch in IMAGE_ARCHITECTURES
