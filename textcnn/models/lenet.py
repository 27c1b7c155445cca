"""LeNet: LeNet-5 as LeCun et al. (1998) built it, and the LeNet of the deeplearning.net tutorial."""

from __future__ import annotations

import keras

from textcnn.layers import ConnectionTableConv, ConvPool, Subsampling, scaled_tanh


def lenet5(
    inputs,
    num_classes: int,
    *,
    dropout: float | None = None,
    seed: int | None = None,
    connection_table="lenet5",
    connections_per_map: int | None = None,
):
    """LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998) from images in [0, 1] to probabilities.

    Images smaller than 32x32 (at least 28x28) are zero-padded to 32x32 inside the model, as the
    paper centred its 28x28 digits in a 32x32 field; pixels are then mapped to the paper's range
    (background -0.1, foreground 1.175). Layers, each with LeCun's scaled tanh
    ``1.7159 tanh(2x/3)``:

    - C1: 6 maps, 5x5 convolution (156 parameters);
    - S2: :class:`Subsampling` 2x2, trainable coefficient and bias per map (12);
    - C3: 16 maps, 5x5 :class:`ConnectionTableConv` with the paper's Table I (1,516);
    - S4: :class:`Subsampling` 2x2 (32);
    - C5: 120 maps, 5x5 convolution: a full connection to S4 on 32x32 inputs (48,120);
    - F6: 84 tanh units (10,164);
    - output: a softmax over `num_classes`. The paper's output layer is Euclidean RBF units with
      fixed 7x12 bitmap codes trained with a MAP criterion; this is not reproduced.

    Args:
        connection_table, connections_per_map: C3's table (``"lenet5"``, ``"random"`` with
            `connections_per_map`, or an explicit 6x16 nested list).
        dropout: rate of a dropout before the output layer (``None``: none, as in the paper).
    """
    height, width = inputs.shape[1:3]
    pad = ((max(32 - height, 0) + 1) // 2, max(32 - height, 0) // 2), \
          ((max(32 - width, 0) + 1) // 2, max(32 - width, 0) // 2)
    x = keras.layers.ZeroPadding2D(pad, name="pad_to_32")(inputs) if height < 32 or width < 32 else inputs
    x = keras.layers.Rescaling(1.275, offset=-0.1, name="lecun_range")(x)
    init = "lecun_uniform"
    x = ConvPool(2, 6, 5, activation=scaled_tanh, kernel_initializer=init, name="c1")(x)
    x = Subsampling(2, activation=scaled_tanh, name="s2")(x)
    x = ConnectionTableConv(2, 16, 5, connection_table=connection_table,
                            connections_per_map=connections_per_map, seed=seed,
                            activation=scaled_tanh, kernel_initializer=init, name="c3")(x)
    x = Subsampling(2, activation=scaled_tanh, name="s4")(x)
    x = ConvPool(2, 120, 5, activation=scaled_tanh, kernel_initializer=init, name="c5")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(84, activation=scaled_tanh, kernel_initializer=init, name="f6")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, seed=seed, name="dropout")(x)
    return keras.layers.Dense(num_classes, activation="softmax", dtype="float32",
                              name="probabilities")(x)


def lenet_tutorial(
    inputs,
    num_classes: int,
    *,
    dropout: float | None = None,
    seed: int | None = None,
    feature_maps=(20, 50),
    hidden_units: int = 500,
):
    """The LeNet of the deeplearning.net tutorial (``convolutional_mlp.py``).

    Two :class:`ConvPool` blocks in the tutorial's order, 5x5 convolution, 2x2 max-pooling, then
    bias and tanh (20 and 50 maps), a fully connected layer of 500 tanh units and a softmax
    (whose weights start at zero, as in the tutorial). The tutorial trains it with plain SGD,
    learning rate 0.1, mini-batches of 500 (the training presets in ``textcnn.config.PRESETS``).

    Args:
        feature_maps: maps of the two convolutions.
        hidden_units: units of the fully connected tanh layer.
        dropout: rate of a dropout before the softmax (``None``: none, as in the tutorial).
    """
    x = inputs
    for i, maps in enumerate(feature_maps):
        x = ConvPool(2, maps, 5, activation="tanh", pooling="max", pool_size=2,
                     pool_before_activation=True, name=f"conv_pool{i + 1}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(hidden_units, activation="tanh", name="hidden")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, seed=seed, name="dropout")(x)
    return keras.layers.Dense(num_classes, activation="softmax", kernel_initializer="zeros",
                              dtype="float32", name="probabilities")(x)
