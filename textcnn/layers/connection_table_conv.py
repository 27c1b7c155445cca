"""A convolution in which each output map sees only a chosen subset of the input maps."""

from __future__ import annotations

import numpy as np
import keras
from keras import ops

from textcnn.layers.conv_pool import ConvPool

TABLES = ("lenet5", "random")


def lenet5_table() -> np.ndarray:
    """LeCun et al. (1998), Table I: which of S2's 6 maps each of C3's 16 maps takes.

    Maps 0-5 take 3 contiguous inputs, maps 6-11 take 4 contiguous inputs, maps 12-14 take 4
    non-contiguous inputs and map 15 takes all 6 (60 connections). Rows are input maps, columns
    output maps.
    """
    table = np.zeros((6, 16), bool)
    for j in range(6):
        table[[(j + i) % 6 for i in range(3)], j] = True
        table[[(j + i) % 6 for i in range(4)], 6 + j] = True
    for j, inputs in enumerate([(0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5)]):
        table[list(inputs), 12 + j] = True
    table[:, 15] = True
    return table


def random_table(in_channels: int, filters: int, connections_per_map: int, seed=None) -> np.ndarray:
    """Each output map takes `connections_per_map` distinct input maps drawn at random."""
    rng = np.random.default_rng(seed)
    table = np.zeros((in_channels, filters), bool)
    for j in range(filters):
        table[rng.choice(in_channels, size=connections_per_map, replace=False), j] = True
    return table


@keras.saving.register_keras_serializable(package="textcnn")
class ConnectionTableConv(ConvPool):
    """Convolution (+ bias, activation, pooling) where output maps see a subset of input maps.

    LeNet-5's third layer (C3) connects each of its 16 maps to only some of the 6 maps below
    (LeCun et al. 1998, Table I), to break the symmetry between maps and cut parameters. The
    connections are a boolean table of shape ``(in_channels, filters)``; the kernel is
    multiplied by it in every call, so weights outside the table take no part in the output and
    get zero gradient (they are also zeroed when the layer is built, and stay zero in training).

    The table is one of:

    - ``"lenet5"``: the fixed 6-to-16 table of LeNet-5's C3 (needs 6 input maps, 16 filters);
    - ``"random"``: each output map takes `connections_per_map` distinct input maps chosen at
      random, reproducibly from `seed`;
    - an explicit nested list (or array) of booleans, ``in_channels`` rows by ``filters``
      columns.

    Once built, :meth:`get_config` returns the table itself as a list of lists (and
    ``connections_per_map=None, seed=None``), so a random table reloads identically.
    :meth:`count_params` counts only the connected weights and the biases (LeNet-5's C3:
    60 connections x 25 + 16 = 1,516); the kernel variable itself keeps its dense shape.

    Args:
        rank: 1 or 2, as in :class:`ConvPool`.
        filters: number of output maps (columns of the table).
        kernel_size: int or tuple of `rank` ints.
        connection_table: ``"lenet5"``, ``"random"`` or a nested list of booleans.
        connections_per_map: inputs per output map, for ``"random"``.
        seed: seed of the random table (``None``: a different table each time).
        **kwargs: the other arguments of :class:`ConvPool` (strides, padding, activation,
            pooling, pool_size, use_bias, pool_before_activation, initializers, ...).

    Input shape:
        ``(batch, time, in_channels)`` or ``(batch, height, width, in_channels)``.

    Output shape:
        as :class:`ConvPool`.

    Example:
    >>> c3 = ConnectionTableConv(2, 16, 5, connection_table="lenet5")
    >>> c3(np.zeros((1, 14, 14, 6), "float32")).shape
    (1, 10, 10, 16)
    >>> c3.count_params()
    1516
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        connection_table="lenet5",
        connections_per_map: int | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rank, filters, kernel_size, **kwargs)
        table = None
        if isinstance(connection_table, str):
            if connection_table not in TABLES:
                raise ValueError(
                    f"`connection_table` must be one of {TABLES} or a nested list of booleans. "
                    f"Received: connection_table={connection_table!r}"
                )
            if connection_table == "lenet5" and filters != 16:
                raise ValueError(
                    "The 'lenet5' connection table has 16 output maps. "
                    f"Received: filters={filters}"
                )
            if connection_table == "random" and (
                not isinstance(connections_per_map, int) or connections_per_map <= 0
            ):
                raise ValueError(
                    "`connections_per_map` must be a positive integer with a 'random' table. "
                    f"Received: connections_per_map={connections_per_map}"
                )
            if connection_table == "lenet5":
                table = lenet5_table()
        else:
            try:
                table = np.asarray(connection_table)
            except ValueError:
                table = np.asarray(None)
            if table.ndim != 2 or table.shape[1] != filters or not np.isin(table, (0, 1)).all():
                raise ValueError(
                    "`connection_table` must be a nested list of booleans with one row per input "
                    f"map and `filters`={filters} columns. Received: connection_table={connection_table!r}"
                )
            table = table.astype(bool)
            if not table.any(axis=0).all():
                empty = np.flatnonzero(~table.any(axis=0)).tolist()
                raise ValueError(
                    f"Every output map needs at least one input map; maps {empty} have none."
                )
        self.connection_table = (
            connection_table if isinstance(connection_table, str) else table.tolist()
        )
        self.connections_per_map = connections_per_map
        self.seed = seed
        self.table = table  # (in_channels, filters) bool, or None until built for "random"

    def build(self, input_shape):
        channels = input_shape[-1]
        if self.table is None:
            if channels is not None and self.connections_per_map > channels:
                raise ValueError(
                    f"`connections_per_map` ({self.connections_per_map}) exceeds the "
                    f"{channels} input maps."
                )
            if channels is not None:
                self.table = random_table(channels, self.filters, self.connections_per_map, self.seed)
        if self.table is not None and channels is not None and self.table.shape[0] != channels:
            raise ValueError(
                f"The connection table has {self.table.shape[0]} rows (input maps) but the input "
                f"has {channels} channels. Received: input_shape={input_shape}"
            )
        super().build(input_shape)
        self._mask = self.table.astype(self.kernel.dtype)
        self.kernel.assign(self.kernel * self._mask)

    def _effective_kernel(self):
        return self.kernel * ops.convert_to_tensor(self._mask, dtype=self.kernel.dtype)

    @property
    def connections(self) -> int:
        """Number of (input map, output map) pairs in the table."""
        return int(self.table.sum())

    @property
    def connected_params(self) -> int:
        """Trainable parameters that take part in the output: connected kernels and biases."""
        return self.connections * int(np.prod(self.kernel_size)) + (self.filters if self.use_bias else 0)

    def count_params(self):
        if not self.built:
            return super().count_params()
        return self.connected_params

    def get_config(self):
        config = super().get_config()
        if self.table is not None and self.connection_table != "lenet5":
            config.update(connection_table=self.table.tolist(), connections_per_map=None, seed=None)
        else:
            config.update(connection_table=self.connection_table,
                          connections_per_map=self.connections_per_map, seed=self.seed)
        return config
