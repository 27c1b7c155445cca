"""Convolution, activation and pooling in one layer, written once for 1-D and 2-D inputs."""

from __future__ import annotations

import keras
from keras import ops

PADDINGS = ("valid", "same", "full")
POOLINGS = (None, "max", "avg", "global_max", "global_avg")


def _as_tuple(value, rank: int, name: str) -> tuple[int, ...]:
    if isinstance(value, int):
        value = (value,) * rank
    value = tuple(value)
    if len(value) != rank or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValueError(
            f"`{name}` must be a positive integer or a tuple of {rank} positive integers. "
            f"Received: {name}={value}"
        )
    return value


def conv_output_length(length, kernel_size: int, stride: int, padding: str):
    """Number of output positions of a convolution over `length` inputs (int or int tensor)."""
    if padding == "same":
        return (length + stride - 1) // stride
    padded = length + 2 * (kernel_size - 1) if padding == "full" else length
    count = (padded - kernel_size) // stride + 1
    return max(count, 0) if isinstance(count, int) else ops.maximum(count, 0)


@keras.saving.register_keras_serializable(package="textcnn")
class ConvPool(keras.layers.Layer):
    """Convolution + bias + activation + optional pooling, in 1-D (text) or 2-D (images).

    The convolution may be ``"valid"``, ``"same"`` or ``"full"``; ``"full"`` pads
    ``kernel_size - 1`` zeros on both sides of every spatial axis, the wide convolution that
    Kim (2014) used so that every word, first and last included, is seen by every filter
    position and inputs shorter than the kernel still give outputs.

    Masking (1-D only): when a mask of shape ``(batch, time)`` arrives (for example from an
    ``Embedding(mask_zero=True)``), the masked time steps must be right padding. Their input
    vectors are zeroed, and for global pooling every output position that would not exist had
    the batch been padded only to this sentence's own length is left out of the pooling. So a
    sentence gets the same output whatever padding its batch adds (for stride 1, and for any
    stride with ``"valid"`` or ``"full"`` padding). A sentence with no output position left
    (no real token at all, or shorter than the kernel with ``"valid"``) pools to zeros.

    With ``pool_before_activation=True`` the order is convolution, pooling, then bias and
    activation: the LeNet convolution-pooling block of the deeplearning.net tutorial (2x2
    max-pooling of the raw convolution, then bias and tanh). With max pooling and a monotonic
    activation the two orders give the same outputs; pooling first is cheaper (the bias and the
    activation see a quarter of the positions), and with average pooling the results differ.

    Args:
        rank: 1 for sequences ``(batch, time, channels)``, 2 for images
            ``(batch, height, width, channels)``.
        filters: number of output feature maps.
        kernel_size: int or tuple of `rank` ints. For text, the region size.
        strides: int or tuple of `rank` ints.
        padding: ``"valid"``, ``"same"`` or ``"full"``.
        activation: any Keras activation name or callable, or ``None``.
        pooling: ``None``, ``"max"``, ``"avg"`` (windows of `pool_size`), ``"global_max"`` or
            ``"global_avg"`` (over all positions).
        pool_size: int or tuple of `rank` ints, for ``"max"`` and ``"avg"`` pooling.
        use_bias: whether to add a bias per feature map.
        pool_before_activation: pool the raw convolution, then add the bias and apply the
            activation (the LeNet tutorial's order). Default: bias, activation, then pooling.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint: as in ``keras.layers.Conv1D``.

    Input shape:
        ``(batch, time, channels)`` for rank 1, ``(batch, height, width, channels)`` for rank 2.

    Output shape:
        ``(batch, filters)`` with global pooling, else ``(batch, *spatial, filters)``.

    Example:
    >>> layer = ConvPool(rank=1, filters=4, kernel_size=3, padding="full", activation="relu",
    ...                  pooling="global_max")
    >>> layer(np.zeros((2, 7, 5), "float32")).shape
    (2, 4)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        activation=None,
        pooling: str | None = None,
        pool_size=2,
        use_bias: bool = True,
        pool_before_activation: bool = False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if rank not in (1, 2):
            raise ValueError(f"`rank` must be 1 or 2. Received: rank={rank}")
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"`filters` must be a positive integer. Received: filters={filters}")
        if padding not in PADDINGS:
            raise ValueError(f"`padding` must be one of {PADDINGS}. Received: padding={padding!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"`pooling` must be one of {POOLINGS}. Received: pooling={pooling!r}")
        self.rank = rank
        self.filters = filters
        self.kernel_size = _as_tuple(kernel_size, rank, "kernel_size")
        self.strides = _as_tuple(strides, rank, "strides")
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.pooling = pooling
        self.pool_size = _as_tuple(pool_size, rank, "pool_size")
        self.use_bias = use_bias
        self.pool_before_activation = bool(pool_before_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{self.__class__.__name__} with rank={self.rank} expects inputs of rank "
                f"{self.rank + 2}. Received: input_shape={input_shape}"
            )
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The last (channels) axis of the input must be known.")
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs, mask=None):
        if mask is not None and self.rank == 1:
            inputs = inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        x = inputs
        if self.padding == "full":
            pads = [[0, 0]] + [[k - 1, k - 1] for k in self.kernel_size] + [[0, 0]]
            x = ops.pad(x, pads)
        x = ops.conv(
            x, self._effective_kernel(), strides=self.strides,
            padding="same" if self.padding == "same" else "valid",
        )
        if self.pool_before_activation:
            return self._bias_and_activation(self._pool(x, mask))
        return self._pool(self._bias_and_activation(x), mask)

    def _effective_kernel(self):
        """The kernel the convolution uses (subclasses may mask it)."""
        return self.kernel

    def _bias_and_activation(self, x):
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def _pool(self, x, mask):
        if self.pooling is None:
            return x
        if self.pooling in ("max", "avg"):
            return ops.max_pool(x, self.pool_size) if self.pooling == "max" \
                else ops.average_pool(x, self.pool_size)
        spatial_axes = tuple(range(1, self.rank + 1))
        if mask is None or self.rank != 1:
            reduce = ops.max if self.pooling == "global_max" else ops.mean
            return reduce(x, axis=spatial_axes)
        # Output positions this sentence would have with no batch padding.
        lengths = ops.sum(ops.cast(mask, "int32"), axis=1)
        valid_counts = conv_output_length(
            lengths, self.kernel_size[0], self.strides[0], self.padding
        )
        # A sentence with no real token has no window over a word: nothing to pool.
        valid_counts = ops.where(lengths > 0, valid_counts, 0)
        positions = ops.arange(ops.shape(x)[1], dtype="int32")
        valid = ops.expand_dims(positions, 0) < ops.expand_dims(valid_counts, 1)
        valid = ops.expand_dims(valid, -1)
        has_any = ops.expand_dims(valid_counts > 0, -1)
        if self.pooling == "global_max":
            lowest = ops.convert_to_tensor(float("-inf"), dtype=x.dtype)
            pooled = ops.max(ops.where(valid, x, lowest), axis=1)
        else:
            weights = ops.cast(valid, x.dtype)
            pooled = ops.sum(x * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
        return ops.where(has_any, pooled, ops.zeros_like(pooled))

    def call_packed(self, inputs, owner, count):
        """Global pooling of several sentences packed into one sequence, without batch padding.

        `inputs` ``(time, channels)`` holds the sentences one after another, separated (and
        preceded and followed) by at least ``kernel_size - 1`` zero vectors; `owner` ``(time,)``
        gives each time step's sentence number (``0 .. count - 1``), or -1 for those zeros. The
        result ``(count, filters)`` equals what :meth:`call` gives the same sentences right-padded
        in a batch with their mask: each sentence pools exactly the output positions it would
        have on its own (1-D, stride 1, global pooling only; see :func:`packable`).
        """
        if not self.packable():
            raise ValueError(f"{self.name} cannot pool packed sentences (1-D, stride 1, global pooling only)")
        h = self.kernel_size[0]
        x = ops.conv(ops.expand_dims(inputs, 0), self._effective_kernel(), padding="valid")[0]
        positions = ops.shape(x)[0]
        if self.padding == "full":  # a window belongs to the sentence of any word in it
            window_owner = owner[:positions]
            for offset in range(1, h):
                window_owner = ops.maximum(window_owner, owner[offset:offset + positions])
        elif self.padding == "valid":  # ... of all of its words
            window_owner = owner[:positions]
            for offset in range(1, h):
                window_owner = ops.minimum(window_owner, owner[offset:offset + positions])
        else:  # "same": of its centre word
            window_owner = owner[(h - 1) // 2:(h - 1) // 2 + positions]
        # Windows of no sentence go to an extra segment, dropped below.
        segments = ops.where(window_owner >= 0, window_owner, count)
        if self.pool_before_activation:
            return self._bias_and_activation(self._segment_pool(x, segments, count))
        return self._segment_pool(self._bias_and_activation(x), segments, count)

    def _segment_pool(self, x, segments, count):
        windows = ops.segment_sum(ops.ones_like(segments, dtype=x.dtype), segments, num_segments=count + 1)[:count]
        if self.pooling == "global_max":
            pooled = ops.segment_max(x, segments, num_segments=count + 1)[:count]
        else:
            pooled = ops.segment_sum(x, segments, num_segments=count + 1)[:count] \
                / ops.expand_dims(ops.maximum(windows, 1.0), -1)
        # A sentence with no window pools to zeros, as in call().
        return ops.where(ops.expand_dims(windows > 0, -1), pooled, ops.zeros_like(pooled))

    def packable(self) -> bool:
        """Whether :meth:`call_packed` can stand in for :meth:`call` with a mask."""
        return (self.rank == 1 and self.strides == (1,) and self.pooling in ("global_max", "global_avg")
                and self.padding in ("full", "valid", "same"))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        if self.pooling in ("global_max", "global_avg"):
            return (input_shape[0], self.filters)
        spatial = []
        for i, length in enumerate(input_shape[1:-1]):
            if length is None:
                spatial.append(None)
                continue
            n = conv_output_length(length, self.kernel_size[i], self.strides[i], self.padding)
            if self.pooling in ("max", "avg"):
                n //= self.pool_size[i]
            spatial.append(n)
        return (input_shape[0], *spatial, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            rank=self.rank,
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            activation=keras.activations.serialize(self.activation),
            pooling=self.pooling,
            pool_size=self.pool_size,
            use_bias=self.use_bias,
            pool_before_activation=self.pool_before_activation,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
            kernel_regularizer=keras.regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=keras.regularizers.serialize(self.bias_regularizer),
            kernel_constraint=keras.constraints.serialize(self.kernel_constraint),
        )
        return config
