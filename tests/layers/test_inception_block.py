import numpy as np
import pytest

from keras_checks import (assert_config_round_trip, assert_save_reload_identical, layer_model,
                          randomize_weights)
from numpy_reference import reference_conv_bn, reference_pool, relu
from textcnn.layers import InceptionBlock


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("factorize_5x5", [False, True])
def test_matches_numpy_reference(rank, factorize_5x5):
    x = np.random.default_rng(0).normal(size=(2, *(5,) * rank, 3)).astype("float32")
    block = InceptionBlock(rank, 2, 2, 3, 1, 2, 2, factorize_5x5=factorize_5x5)
    block.build(x.shape)
    randomize_weights(block)
    got = np.asarray(block(x, training=False))
    for b in range(2):
        def run(branch, inputs):
            for layer in branch:
                inputs = reference_conv_bn(inputs, layer, relu)
            return inputs
        pooled = reference_pool(x[b], 3, "max", strides=1, padding="same")
        expected = np.concatenate([run(block.branch_1x1, x[b]), run(block.branch_3x3, x[b]),
                                   run(block.branch_5x5, x[b]), run(block.branch_pool, pooled)], -1)
        np.testing.assert_allclose(got[b], expected, rtol=1e-4, atol=1e-4)
    assert got.shape == (2, *(5,) * rank, 9) == tuple(block.compute_output_shape(x.shape))
    assert [layer.kernel_size for layer in block.branch_5x5[1:]] == (
        [(3,) * rank] * 2 if factorize_5x5 else [(5,) * rank])


def test_config_round_trip_and_save_reload(tmp_path):
    block = InceptionBlock(2, 4, 2, 4, 2, 4, 4, factorize_5x5=True)
    model = layer_model(block, (6, 6, 3))
    randomize_weights(block, seed=2)
    assert_config_round_trip(block)
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 3)).astype("float32")
    assert_save_reload_identical(model, x, tmp_path / "m.keras")


@pytest.mark.parametrize("name", ["filters_1x1", "filters_3x3_reduce", "filters_pool_proj"])
def test_invalid_arguments(name):
    kwargs = dict(rank=2, filters_1x1=1, filters_3x3_reduce=1, filters_3x3=1, filters_5x5_reduce=1,
                  filters_5x5=1, filters_pool_proj=1)
    with pytest.raises(ValueError) as error:
        InceptionBlock(**{**kwargs, name: 0})
    assert str(error.value) == f"`{name}` must be a positive integer. Received: {name}=0"
