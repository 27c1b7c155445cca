"""Packed inference: a batch of sentences run through a Kim CNN without batch padding.

Padded to its longest sentence, a batch of short and long sentences spends most of its
convolutions on padding (MR sentences: 20 tokens on average, batches of 8 padded to ~40). Packed,
the sentences lie one after another in a single sequence, separated by ``max(region_sizes) - 1``
padding tokens, and each sentence max-pools only its own windows
(:meth:`textcnn.layers.ConvPool.call_packed`): the same probabilities as the padded model, for the
convolutions of the real words only.

:func:`packed_forward` builds it from a model made of token ids -> embedding channel(s)
(concatenated) -> dropout(s) -> :class:`textcnn.layers.RegionConv` -> dropout -> dense softmax (every
Kim variant), sharing the model's weights; other models get ``None`` and run padded. A bag-of-n-grams
branch (:class:`textcnn.layers.NgramBag` of the token ids, concatenated with the pooled features
before the dense layer) packs too (:meth:`textcnn.layers.NgramBag.call_packed`).
A seed ensemble (``keras.layers.Average`` of nested Kim models) packs as the mean of its members'
packed forwards (:class:`AveragedPackedForward`).

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

from textcnn.layers import NgramBag, RegionConv


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

    def __init__(self, embeddings: list, region_conv: RegionConv, output: keras.layers.Dense,
                 features: list | None = None):
        self.embeddings = embeddings
        self.region_conv = region_conv
        self.output = output
        # The concatenated features before `output` in order (`region_conv` and NgramBag layers), or
        # None when `region_conv` feeds `output` alone.
        self.features = features
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
        pooled = self.region_conv.call_packed(x, owner, count)
        if self.features:
            pooled = ops.concatenate([pooled if part is self.region_conv else part.call_packed(ids, owner, count)
                                      for part in self.features], axis=-1)
        return self.output(pooled)


def packed_forward(model: keras.Model) -> PackedForward | None:
    """A :class:`PackedForward` sharing `model`'s layers, or ``None`` when the model is not a
    Kim CNN whose region convolutions can be packed."""
    try:
        return _averaged_packed_forward(model) or _packed_forward(model)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None


class AveragedPackedForward:
    """The mean of several Kim CNNs' probabilities for packed sentences: a seed ensemble
    (``keras.layers.Average`` of nested member models, see :mod:`textcnn.training.ensemble`),
    each member packed as :class:`PackedForward`, all with the largest gap any member needs."""

    input_signature = staticmethod(PackedForward.input_signature)

    def __init__(self, members: list):
        self.members = members
        self.gap = max(member.gap for member in members)

    def __call__(self, ids, owner, count):
        total = self.members[0](ids, owner, count)
        for member in self.members[1:]:  # summed, then divided, as keras.layers.Average does
            total = total + member(ids, owner, count)
        return total / len(self.members)


def _averaged_packed_forward(model) -> AveragedPackedForward | None:
    """An :class:`AveragedPackedForward` when `model` is its input, nested models on it and the
    Average of their outputs, and every nested model packs; else ``None``. (A nested model's
    ``output`` is its own, not its call's, so the structure is checked from the layer list; the
    probe of :func:`textcnn.inference.text._checked_packed_forward` confirms the numbers.)"""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    average = _Graph(model).producer(model.outputs[0])
    if not isinstance(average, keras.layers.Average):
        return None
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    members = [layer for layer in layers if isinstance(layer, keras.Model)]
    if layers != [*members, average] or len(members) != len(average.input):
        return None
    forwards = [_packed_forward(member) for member in members]
    if any(forward is None for forward in forwards):
        return None
    return AveragedPackedForward(forwards)


class _Graph:
    """Who made each symbolic tensor of a functional model, read through public Keras API only
    (``layer.input`` / ``layer.output`` of layers called once)."""

    def __init__(self, model: keras.Model):
        self.made_by = {}
        for layer in model.layers:
            outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
            for tensor in outputs:
                self.made_by[id(tensor)] = layer

    def producer(self, tensor):
        """The layer that made `tensor` (KeyError for a tensor of no layer)."""
        return self.made_by[id(tensor)]

    def producer_of_input(self, layer):
        """The layer that made `layer`'s (first) input; dropouts, identities at inference, are
        skipped."""
        return self.skipping_dropouts(self.producer(_first(layer.input)))

    def skipping_dropouts(self, source):
        """`source`, or the first layer before it that is no dropout."""
        while isinstance(source, keras.layers.Dropout):
            source = self.producer(_first(source.input))
        return source


def _first(inputs):
    """A layer's first input (``layer.input`` lists every tensor argument of the call)."""
    return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


def _packed_forward(model) -> PackedForward | None:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    graph = _Graph(model)
    output = graph.producer(model.outputs[0])
    if not isinstance(output, keras.layers.Dense):
        return None
    region_conv = graph.producer_of_input(output)
    features = None
    tokens = graph.producer(model.inputs[0])
    if isinstance(region_conv, keras.layers.Concatenate):  # RegionConv's and NgramBags' features
        concatenation = region_conv
        if concatenation.axis not in (-1, 1):
            return None
        features = [graph.skipping_dropouts(graph.producer(tensor)) for tensor in concatenation.input]
        convs = [part for part in features if isinstance(part, RegionConv)]
        bags = [part for part in features if isinstance(part, NgramBag)]
        if len(convs) != 1 or len(bags) != len(features) - 1 \
                or any(graph.producer(_first(bag.input)) is not tokens for bag in bags):
            return None
        region_conv = convs[0]
    if not isinstance(region_conv, RegionConv) or not region_conv.packable():
        return None
    layer = graph.producer_of_input(region_conv)
    if isinstance(layer, keras.layers.Concatenate):
        if layer.axis not in (-1, 2):
            return None
        embeddings = [graph.producer(tensor) for tensor in layer.input]
    else:
        embeddings = [layer]
    for embedding in embeddings:
        if not isinstance(embedding, keras.layers.Embedding) or not embedding.mask_zero \
                or graph.producer(_first(embedding.input)) is not tokens:
            return None
    return PackedForward(embeddings, region_conv, output, features)
