"""Packed inference: a batch of sentences run through a Kim CNN without batch padding.

Padded to its longest sentence, a batch of short and long sentences spends most of its
convolutions on padding (MR sentences: 20 tokens on average, batches of 8 padded to ~40). Packed,
the sentences lie one after another in a single sequence, separated by ``max(region_sizes) - 1``
padding tokens, and each sentence max-pools only its own windows
(:meth:`textcnn.layers.ConvPool.call_packed`): the same probabilities as the padded model, for the
convolutions of the real words only.

:func:`packed_forward` builds it from a model made of token ids -> embedding channel(s)
(concatenated) -> dropout(s) -> :class:`textcnn.layers.RegionConv` -> dropout -> dense softmax (every
Kim variant), sharing the model's weights; other models get ``None`` and run padded.

Example:
>>> forward = packed_forward(model)
>>> ids, owner = pack([[5, 7, 2], [9]], forward.gap)
>>> forward(ids, owner, 2)          # == model(pad_batch([[5, 7, 2], [9]]))
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from textcnn.layers import RegionConv


def pack(sequences: Sequence[Sequence[int]], gap: int) -> tuple[np.ndarray, np.ndarray]:
    """The ids of `sequences` one after another, with `gap` padding ids (0) before, between and
    after them, and each position's sentence number (-1 for padding)."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    total = int(lengths.sum()) + gap * (len(sequences) + 1)
    ids = np.zeros(total, dtype="int32")
    owner = np.full(total, -1, dtype="int32")
    start = gap
    for number, (sequence, length) in enumerate(zip(sequences, lengths)):
        ids[start:start + length] = sequence
        owner[start:start + length] = number
        start += length + gap
    return ids, owner


class PackedForward:
    """The probabilities of a Kim CNN for packed sentences (see the module docstring)."""

    def __init__(self, embeddings: list, region_conv: RegionConv, output: keras.layers.Dense):
        self.embeddings = embeddings
        self.region_conv = region_conv
        self.output = output
        self.gap = max(region_conv.region_sizes) - 1

    @staticmethod
    def input_signature() -> list:
        """``ids`` and ``owner`` (as :func:`pack` makes them) and the number of sentences."""
        import tensorflow as tf

        return [tf.TensorSpec((None,), tf.int32), tf.TensorSpec((None,), tf.int32), tf.TensorSpec((), tf.int32)]

    def __call__(self, ids, owner, count):
        vectors = [layer(ids) for layer in self.embeddings]
        x = vectors[0] if len(vectors) == 1 else ops.concatenate(vectors, axis=-1)
        # Padding vectors are zeros, as the mask makes them in the padded model.
        x = x * ops.expand_dims(ops.cast(owner >= 0, x.dtype), -1)
        return self.output(self.region_conv.call_packed(x, owner, count))


def packed_forward(model: keras.Model) -> PackedForward | None:
    """A :class:`PackedForward` sharing `model`'s layers, or ``None`` when the model is not a
    Kim CNN whose region convolutions can be packed."""
    try:
        return _packed_forward(model)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _producer(tensor):
    """The layer that made a symbolic tensor."""
    return tensor._keras_history[0]


def _argument(layer):
    """The first argument `layer` was called with in the model (a tensor or a list of them)."""
    return layer._inbound_nodes[0].arguments.args[0]


def _packed_forward(model) -> PackedForward | None:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    output = _producer(model.outputs[0])
    if not isinstance(output, keras.layers.Dense):
        return None
    layer = _producer(_argument(output))
    while isinstance(layer, keras.layers.Dropout):  # identities at inference
        layer = _producer(_argument(layer))
    if not isinstance(layer, RegionConv) or not layer.packable():
        return None
    region_conv = layer
    layer = _producer(_argument(region_conv))
    while isinstance(layer, keras.layers.Dropout):
        layer = _producer(_argument(layer))
    if isinstance(layer, keras.layers.Concatenate):
        if layer.axis not in (-1, 2):
            return None
        embeddings = [_producer(tensor) for tensor in _argument(layer)]
    else:
        embeddings = [layer]
    tokens = _producer(model.inputs[0])
    for embedding in embeddings:
        if not isinstance(embedding, keras.layers.Embedding) or not embedding.mask_zero \
                or _producer(_argument(embedding)) is not tokens:
            return None
    return PackedForward(embeddings, region_conv, output)
