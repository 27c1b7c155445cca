"""LeNet-5's subsampling layers: average pooling times a trainable coefficient plus a bias."""

from __future__ import annotations

import keras
from keras import ops

from textcnn.layers.conv_pool import _as_tuple


@keras.saving.register_keras_serializable(package="textcnn")
class Subsampling(keras.layers.Layer):
    """Trainable average pooling: ``activation(coefficient * mean(window) + bias)`` per map.

    The S2 and S4 layers of LeNet-5 (LeCun et al. 1998): each feature map is average-pooled
    over non-overlapping windows (2x2 by default), multiplied by a trainable coefficient and
    shifted by a trainable bias, both one per map, then passed through the activation (a
    sigmoid or a scaled tanh in the paper). Windows that do not fit at the edge are dropped.

    Args:
        rank: 1 for ``(batch, time, channels)``, 2 for ``(batch, height, width, channels)``.
        pool_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints; default `pool_size` (non-overlapping windows).
        activation: any Keras activation name or callable, or ``None``.
        coefficient_initializer, bias_initializer: initializers of the per-map weights.

    Input shape:
        ``(batch, *spatial, channels)``.

    Output shape:
        ``(batch, *pooled_spatial, channels)``, each spatial size
        ``(size - pool_size) // stride + 1``.

    Example:
    >>> s2 = Subsampling(2, activation="tanh")
    >>> s2(np.zeros((1, 28, 28, 6), "float32")).shape
    (1, 14, 14, 6)
    """

    def __init__(
        self,
        rank: int,
        pool_size=2,
        strides=None,
        activation=None,
        coefficient_initializer="ones",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if rank not in (1, 2):
            raise ValueError(f"`rank` must be 1 or 2. Received: rank={rank}")
        self.rank = rank
        self.pool_size = _as_tuple(pool_size, rank, "pool_size")
        self.strides = self.pool_size if strides is None else _as_tuple(strides, rank, "strides")
        self.activation = keras.activations.get(activation)
        self.coefficient_initializer = keras.initializers.get(coefficient_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Subsampling with rank={self.rank} expects inputs of rank {self.rank + 2}. "
                f"Received: input_shape={input_shape}"
            )
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The last (channels) axis of the input must be known.")
        self.coefficient = self.add_weight(
            name="coefficient", shape=(channels,), initializer=self.coefficient_initializer
        )
        self.bias = self.add_weight(name="bias", shape=(channels,), initializer=self.bias_initializer)

    def call(self, inputs):
        x = ops.average_pool(inputs, self.pool_size, strides=self.strides, padding="valid")
        x = x * self.coefficient + self.bias
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        spatial = [
            None if n is None else (n - p) // s + 1
            for n, p, s in zip(input_shape[1:-1], self.pool_size, self.strides)
        ]
        return (input_shape[0], *spatial, input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            rank=self.rank,
            pool_size=self.pool_size,
            strides=self.strides,
            activation=keras.activations.serialize(self.activation),
            coefficient_initializer=keras.initializers.serialize(self.coefficient_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config
