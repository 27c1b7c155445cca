"""The basic residual block of He et al. (2016): two 3x3 convolutions and a shortcut."""

from __future__ import annotations

import keras

from textcnn.layers.conv_bn import ConvBN
from textcnn.layers.conv_pool import _as_tuple


@keras.saving.register_keras_serializable(package="textcnn")
class ResidualBlock(keras.layers.Layer):
    """``activation(ConvBN(ConvBN(x)) + shortcut(x))``, in 1-D or 2-D.

    The main path is a strided ``kernel_size`` convolution + batch normalisation + activation,
    then a stride-1 convolution + batch normalisation (no activation). The shortcut is the
    identity when the shapes match (stride 1 and as many input maps as `filters`), otherwise a
    1x1 strided convolution + batch normalisation (the projection shortcut, He et al. 2016,
    option B). All convolutions use ``"same"`` padding.

    Args:
        rank: 1 or 2.
        filters: output feature maps.
        strides: int or tuple of `rank` ints, of the first convolution and the shortcut.
        kernel_size: int or tuple of `rank` ints (3 by default).
        activation: activation after the first convolution and after the sum.
        momentum, epsilon, kernel_initializer, kernel_regularizer: as in :class:`ConvBN`.

    Input shape:
        ``(batch, *spatial, channels)``.

    Output shape:
        ``(batch, *ceil(spatial / strides), filters)``.

    Example:
    >>> block = ResidualBlock(2, 32, strides=2)
    >>> block(np.zeros((1, 28, 28, 16), "float32")).shape
    (1, 14, 14, 32)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        strides=1,
        kernel_size=3,
        activation="relu",
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        common = dict(
            momentum=momentum, epsilon=epsilon, kernel_initializer=kernel_initializer,
            kernel_regularizer=kernel_regularizer, dtype=self.dtype_policy,
        )
        self.conv1 = ConvBN(rank, filters, kernel_size, strides=strides, activation=activation,
                            name="conv1", **common)
        self.conv2 = ConvBN(rank, filters, kernel_size, activation=None, name="conv2", **common)
        self.rank = rank
        self.filters = filters
        self.strides = _as_tuple(strides, rank, "strides")
        self.kernel_size = self.conv1.kernel_size
        self.activation = keras.activations.get(activation)
        self.momentum = momentum
        self.epsilon = epsilon
        self.kernel_initializer = self.conv1.kernel_initializer
        self.kernel_regularizer = self.conv1.kernel_regularizer
        self._common = common
        self.shortcut = None  # a projection, created in build when the shapes differ

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"ResidualBlock with rank={self.rank} expects inputs of rank {self.rank + 2}. "
                f"Received: input_shape={input_shape}"
            )
        self.conv1.build(input_shape)
        inner_shape = self.conv1.compute_output_shape(input_shape)
        self.conv2.build(inner_shape)
        if any(s != 1 for s in self.strides) or input_shape[-1] != self.filters:
            self.shortcut = ConvBN(self.rank, self.filters, 1, strides=self.strides,
                                   activation=None, name="shortcut", **self._common)
            self.shortcut.build(input_shape)

    @property
    def projection(self) -> bool:
        """Whether the shortcut is a projection (known once built)."""
        return self.shortcut is not None

    def call(self, inputs, training=None):
        x = self.conv2(self.conv1(inputs, training=training), training=training)
        shortcut = inputs if self.shortcut is None else self.shortcut(inputs, training=training)
        x = x + shortcut
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return self.conv1.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            rank=self.rank,
            filters=self.filters,
            strides=self.strides,
            kernel_size=self.kernel_size,
            activation=keras.activations.serialize(self.activation),
            momentum=self.momentum,
            epsilon=self.epsilon,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
        )
        return config
