"""Kim's multi-region sentence convolution: several region sizes, 1-max pooling, concatenation."""

from __future__ import annotations

import keras
from keras import ops

from textcnn.layers.conv_pool import ConvPool


@keras.saving.register_keras_serializable(package="textcnn")
class RegionConv(keras.layers.Layer):
    """Parallel convolutions of several region sizes, each 1-max pooled, concatenated.

    For each region size ``h`` there are `feature_maps` filters spanning the whole embedding
    width, applied with the wide (``"full"``) convolution Kim (2014) used: ``h - 1`` zeros on
    both sides, so a sentence shorter than the largest region size still gives every filter
    ``len + h - 1`` positions. Each filter's activations are max-pooled over time (1-max
    pooling) and the results of all region sizes are concatenated (Kim 2014; Zhang & Wallace
    2015).

    With a mask (right padding, e.g. from ``Embedding(mask_zero=True)``) a sentence's output does
    not depend on how much padding its batch adds: windows lying wholly in batch padding are
    left out of the max (see :class:`ConvPool`). Several embedding channels (Kim's
    multichannel model) are handled by concatenating them on the feature axis before this
    layer: a filter spanning the concatenation is one filter slice per channel, each applied to
    its channel, with the results summed.

    Args:
        region_sizes: the region (window) sizes, in words.
        feature_maps: filters per region size.
        activation: activation applied before pooling.
        padding: ``"full"`` (Kim's edge padding), ``"same"`` or ``"valid"``.
        use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        kernel_constraint: as in :class:`ConvPool`.

    Input shape:
        ``(batch, time, features)``; optional mask ``(batch, time)``.

    Output shape:
        ``(batch, len(region_sizes) * feature_maps)``, region sizes in the given order.

    Example:
    >>> layer = RegionConv(region_sizes=(2, 3, 4), feature_maps=2)
    >>> layer(np.zeros((1, 7, 5), "float32")).shape
    (1, 6)
    """

    def __init__(
        self,
        region_sizes=(3, 4, 5),
        feature_maps: int = 100,
        activation="relu",
        padding: str = "full",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        kernel_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        region_sizes = tuple(region_sizes) if not isinstance(region_sizes, int) else (region_sizes,)
        if not region_sizes or not all(isinstance(h, int) and h > 0 for h in region_sizes):
            raise ValueError(
                "`region_sizes` must be a non-empty list of positive integers. "
                f"Received: region_sizes={region_sizes}"
            )
        if not isinstance(feature_maps, int) or feature_maps <= 0:
            raise ValueError(
                f"`feature_maps` must be a positive integer. Received: feature_maps={feature_maps}"
            )
        self.region_sizes = region_sizes
        self.feature_maps = feature_maps
        self.activation = keras.activations.get(activation)
        self.padding = padding
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.convs = [
            ConvPool(
                rank=1,
                filters=feature_maps,
                kernel_size=h,
                padding=padding,
                activation=activation,
                pooling="global_max",
                use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                bias_initializer=bias_initializer,
                kernel_regularizer=kernel_regularizer,
                kernel_constraint=kernel_constraint,
                name=f"region_{h}",
                dtype=self.dtype_policy,
            )
            for h in region_sizes
        ]
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                "RegionConv expects inputs of shape (batch, time, features). "
                f"Received: input_shape={input_shape}"
            )
        for conv in self.convs:
            conv.build(input_shape)

    def call(self, inputs, mask=None):
        return ops.concatenate([conv(inputs, mask=mask) for conv in self.convs], axis=-1)

    def call_packed(self, inputs, owner, count):
        """:meth:`call` on sentences packed into one sequence (see :meth:`ConvPool.call_packed`);
        they must be separated by at least ``max(region_sizes) - 1`` zero vectors."""
        return ops.concatenate([conv.call_packed(inputs, owner, count) for conv in self.convs], axis=-1)

    def packable(self) -> bool:
        return all(conv.packable() for conv in self.convs)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.region_sizes) * self.feature_maps)

    def get_config(self):
        config = super().get_config()
        config.update(
            region_sizes=list(self.region_sizes),
            feature_maps=self.feature_maps,
            activation=keras.activations.serialize(self.activation),
            padding=self.padding,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
            kernel_constraint=keras.constraints.serialize(self.kernel_constraint),
        )
        return config
