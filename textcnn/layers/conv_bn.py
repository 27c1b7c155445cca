"""Convolution + batch normalisation + activation, the unit of the modern image networks."""

from __future__ import annotations

import keras

from textcnn.layers.conv_pool import ConvPool


@keras.saving.register_keras_serializable(package="textcnn")
class ConvBN(keras.layers.Layer):
    """Convolution (no bias) + batch normalisation + activation, in 1-D or 2-D.

    The convolution has no bias: batch normalisation's ``beta`` takes its place. The batch
    normalisation uses the batch's statistics in training and its moving statistics otherwise
    (both saved with the model).

    Args:
        rank: 1 for ``(batch, time, channels)``, 2 for ``(batch, height, width, channels)``.
        filters: number of output feature maps.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints.
        padding: ``"same"`` (default) or ``"valid"``.
        activation: any Keras activation name or callable, or ``None`` (e.g. before a residual
            sum).
        momentum, epsilon: of the batch normalisation.
        kernel_initializer, kernel_regularizer: of the convolution.

    Input shape:
        ``(batch, *spatial, channels)``.

    Output shape:
        ``(batch, *conv_spatial, filters)``.

    Example:
    >>> layer = ConvBN(2, 8, 3, strides=2)
    >>> layer(np.zeros((1, 28, 28, 1), "float32")).shape
    (1, 14, 14, 8)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "same",
        activation="relu",
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if padding not in ("valid", "same"):
            raise ValueError(
                f"`padding` must be one of ('valid', 'same'). Received: padding={padding!r}"
            )
        self.conv = ConvPool(
            rank, filters, kernel_size, strides=strides, padding=padding, use_bias=False,
            kernel_initializer=kernel_initializer, kernel_regularizer=kernel_regularizer,
            name="conv", dtype=self.dtype_policy,
        )
        self.rank = rank
        self.filters = filters
        self.kernel_size = self.conv.kernel_size
        self.strides = self.conv.strides
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.momentum = momentum
        self.epsilon = epsilon
        self.kernel_initializer = self.conv.kernel_initializer
        self.kernel_regularizer = self.conv.kernel_regularizer
        self.batch_norm = keras.layers.BatchNormalization(
            momentum=momentum, epsilon=epsilon, name="batch_norm", dtype=self.dtype_policy
        )

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.batch_norm.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = self.batch_norm(self.conv(inputs), training=training)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            rank=self.rank,
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            activation=keras.activations.serialize(self.activation),
            momentum=self.momentum,
            epsilon=self.epsilon,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
        )
        return config
