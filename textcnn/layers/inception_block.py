"""The Inception module of Szegedy et al. (2015), with 1x1 reductions and batch normalisation."""

from __future__ import annotations

import keras
from keras import ops

from textcnn.layers.conv_bn import ConvBN


@keras.saving.register_keras_serializable(package="textcnn")
class InceptionBlock(keras.layers.Layer):
    """Four parallel branches concatenated on the channel axis, in 1-D or 2-D.

    Branches (every convolution is a :class:`ConvBN` with ``"same"`` padding, stride 1):

    1. 1x1 convolution (`filters_1x1` maps);
    2. 1x1 reduction (`filters_3x3_reduce`) -> 3x3 convolution (`filters_3x3`);
    3. 1x1 reduction (`filters_5x5_reduce`) -> 5x5 convolution (`filters_5x5`), or two 3x3
       convolutions with ``factorize_5x5=True`` (the same receptive field, fewer weights;
       Szegedy et al. 2016);
    4. 3x3 max-pooling (stride 1) -> 1x1 projection (`filters_pool_proj`).

    Args:
        rank: 1 or 2.
        filters_1x1, filters_3x3_reduce, filters_3x3, filters_5x5_reduce, filters_5x5,
        filters_pool_proj: feature maps of each convolution.
        factorize_5x5: two 3x3 convolutions in place of the 5x5 one.
        activation, momentum, epsilon, kernel_initializer, kernel_regularizer: as in
            :class:`ConvBN`.

    Input shape:
        ``(batch, *spatial, channels)``.

    Output shape:
        ``(batch, *spatial, filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_proj)``.

    Example:
    >>> block = InceptionBlock(2, 8, 8, 16, 4, 8, 8)
    >>> block(np.zeros((1, 14, 14, 32), "float32")).shape
    (1, 14, 14, 40)
    """

    def __init__(
        self,
        rank: int,
        filters_1x1: int,
        filters_3x3_reduce: int,
        filters_3x3: int,
        filters_5x5_reduce: int,
        filters_5x5: int,
        filters_pool_proj: int,
        factorize_5x5: bool = False,
        activation="relu",
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        filters = dict(
            filters_1x1=filters_1x1, filters_3x3_reduce=filters_3x3_reduce, filters_3x3=filters_3x3,
            filters_5x5_reduce=filters_5x5_reduce, filters_5x5=filters_5x5,
            filters_pool_proj=filters_pool_proj,
        )
        for name, value in filters.items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value}")

        def conv(maps, size, name):
            return ConvBN(rank, maps, size, activation=activation, momentum=momentum,
                          epsilon=epsilon, kernel_initializer=kernel_initializer,
                          kernel_regularizer=kernel_regularizer, name=name,
                          dtype=self.dtype_policy)

        self.branch_1x1 = [conv(filters_1x1, 1, "branch_1x1")]
        self.branch_3x3 = [conv(filters_3x3_reduce, 1, "branch_3x3_reduce"),
                           conv(filters_3x3, 3, "branch_3x3")]
        self.branch_5x5 = [conv(filters_5x5_reduce, 1, "branch_5x5_reduce")] + (
            [conv(filters_5x5, 3, "branch_5x5_a"), conv(filters_5x5, 3, "branch_5x5_b")]
            if factorize_5x5 else [conv(filters_5x5, 5, "branch_5x5")]
        )
        self.branch_pool = [conv(filters_pool_proj, 1, "branch_pool_proj")]
        self.rank = rank
        for name, value in filters.items():
            setattr(self, name, value)
        self.factorize_5x5 = bool(factorize_5x5)
        self.activation = keras.activations.get(activation)
        self.momentum = momentum
        self.epsilon = epsilon
        self.kernel_initializer = self.branch_1x1[0].kernel_initializer
        self.kernel_regularizer = self.branch_1x1[0].kernel_regularizer

    @property
    def output_channels(self) -> int:
        return self.filters_1x1 + self.filters_3x3 + self.filters_5x5 + self.filters_pool_proj

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"InceptionBlock with rank={self.rank} expects inputs of rank {self.rank + 2}. "
                f"Received: input_shape={input_shape}"
            )
        for branch in (self.branch_1x1, self.branch_3x3, self.branch_5x5, self.branch_pool):
            shape = input_shape
            for layer in branch:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=None):
        def run(branch, x):
            for layer in branch:
                x = layer(x, training=training)
            return x

        pooled = ops.max_pool(inputs, 3, strides=1, padding="same")
        return ops.concatenate(
            [run(self.branch_1x1, inputs), run(self.branch_3x3, inputs),
             run(self.branch_5x5, inputs), run(self.branch_pool, pooled)],
            axis=-1,
        )

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            rank=self.rank,
            filters_1x1=self.filters_1x1,
            filters_3x3_reduce=self.filters_3x3_reduce,
            filters_3x3=self.filters_3x3,
            filters_5x5_reduce=self.filters_5x5_reduce,
            filters_5x5=self.filters_5x5,
            filters_pool_proj=self.filters_pool_proj,
            factorize_5x5=self.factorize_5x5,
            activation=keras.activations.serialize(self.activation),
            momentum=self.momentum,
            epsilon=self.epsilon,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
        )
        return config
