import numpy as np
import keras
import pytest

from keras_checks import assert_config_round_trip, assert_save_reload_identical, layer_model
from numpy_reference import reference_conv, reference_pool
from textcnn.layers import ConnectionTableConv
from textcnn.layers.connection_table_conv import lenet5_table

BIAS = keras.initializers.RandomUniform(-0.5, 0.5, seed=3)


def test_lenet5_table_is_table_one_of_lecun_1998():
    table = lenet5_table()
    assert table.shape == (6, 16) and table.sum() == 60
    assert [sorted(np.flatnonzero(table[:, j])) for j in (0, 4, 6, 9, 12, 13, 14, 15)] == [
        [0, 1, 2], [0, 4, 5], [0, 1, 2, 3], [0, 3, 4, 5], [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
        [0, 1, 2, 3, 4, 5]]
    assert table[:, :6].sum(0).tolist() == [3] * 6 and table[:, 6:15].sum(0).tolist() == [4] * 9


def test_lenet5_c3_counts_1516_parameters():
    c3 = ConnectionTableConv(2, 16, 5, connection_table="lenet5")
    model = layer_model(c3, (14, 14, 6))
    assert c3.count_params() == c3.connected_params == 1516 and c3.connections == 60
    assert model.output_shape == (None, 10, 10, 16)
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    assert any("1,516" in line for line in lines)


@pytest.mark.parametrize("rank", [1, 2])
def test_matches_numpy_reference_with_the_table_as_a_kernel_mask(rank):
    rng = np.random.default_rng(0)
    table = rng.random((4, 5)) < 0.5
    table[0] = True  # every output map has an input
    x = rng.normal(size=(2, *(8,) * rank, 4)).astype("float32")
    layer = ConnectionTableConv(rank, 5, 3, connection_table=table.tolist(), activation="tanh",
                                pooling="max", bias_initializer=BIAS)
    got = np.asarray(layer(x))
    kernel, bias = (np.asarray(w) for w in layer.weights)
    np.testing.assert_array_equal(kernel[..., ~table], 0)
    for b in range(2):
        expected = reference_pool(np.tanh(reference_conv(x[b], kernel * table, bias)), 2, "max")
        np.testing.assert_allclose(got[b], expected, rtol=1e-4, atol=1e-5)


def test_weights_outside_the_table_stay_exactly_zero_through_training():
    layer = ConnectionTableConv(2, 4, 3, connection_table="random", connections_per_map=2, seed=1,
                                activation="tanh", pooling="global_avg")
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(layer(inputs)))
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    x = np.random.default_rng(1).normal(size=(8, 8, 8, 3)).astype("float32")
    y = np.arange(8) % 2
    before = np.asarray(layer.kernel).copy()
    model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    after = np.asarray(layer.kernel)
    outside = ~layer.table
    assert layer.table.sum(0).tolist() == [2] * 4
    np.testing.assert_array_equal(after[..., outside], 0)
    assert not np.array_equal(after[..., ~outside], before[..., ~outside])


def test_random_table_is_reproducible_from_its_seed():
    tables = [ConnectionTableConv(2, 8, 3, "random", connections_per_map=3, seed=seed) for seed in (7, 7, 8)]
    for layer in tables:
        layer.build((None, 6, 6, 5))
    np.testing.assert_array_equal(tables[0].table, tables[1].table)
    assert not np.array_equal(tables[0].table, tables[2].table)


def test_random_table_travels_in_the_config_and_reloads_identically(tmp_path):
    layer = ConnectionTableConv(2, 6, 3, "random", connections_per_map=2, activation="relu")
    model = layer_model(layer, (7, 7, 4))
    config = layer.get_config()
    assert config["connection_table"] == layer.table.tolist() and config["seed"] is None
    assert_config_round_trip(layer)
    x = np.random.default_rng(2).normal(size=(2, 7, 7, 4)).astype("float32")
    reloaded = assert_save_reload_identical(model, x, tmp_path / "m.keras")
    np.testing.assert_array_equal(reloaded.layers[-1].table, layer.table)


def test_lenet5_config_round_trip():
    layer = ConnectionTableConv(2, 16, 5, "lenet5", pool_before_activation=True, pooling="max")
    assert assert_config_round_trip(layer).get_config()["connection_table"] == "lenet5"


@pytest.mark.parametrize("kwargs, message", [
    (dict(connection_table="sparse"), "`connection_table` must be one of ('lenet5', 'random') or a nested list of booleans. Received: connection_table='sparse'"),
    (dict(filters=8, connection_table="lenet5"), "The 'lenet5' connection table has 16 output maps. Received: filters=8"),
    (dict(connection_table="random"), "`connections_per_map` must be a positive integer with a 'random' table. Received: connections_per_map=None"),
    (dict(filters=2, connection_table=[[1, 0, 1]]), "`connection_table` must be a nested list of booleans with one row per input map and `filters`=2 columns. Received: connection_table=[[1, 0, 1]]"),
    (dict(filters=2, connection_table=[[1, 0], [1, 0]]), "Every output map needs at least one input map; maps [1] have none."),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError) as error:
        ConnectionTableConv(**{"rank": 2, "filters": 16, "kernel_size": 5, **kwargs})
    assert str(error.value) == message


def test_table_must_match_the_input_maps():
    with pytest.raises(ValueError, match="The connection table has 6 rows \\(input maps\\) but the input has 3 channels"):
        ConnectionTableConv(2, 16, 5)(np.zeros((1, 14, 14, 3), "float32"))
    with pytest.raises(ValueError, match="`connections_per_map` \\(4\\) exceeds the 3 input maps"):
        ConnectionTableConv(2, 2, 1, "random", connections_per_map=4)(np.zeros((1, 4, 4, 3), "float32"))
