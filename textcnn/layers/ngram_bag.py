"""A bag of hashed n-grams (fastText style): the mean of a sentence's unigram and bigram vectors."""

from __future__ import annotations

import keras
from keras import ops

# The bigram hash multiplier: a prime, so that (a, b) and (b, a) and neighbouring ids spread
# over the buckets. Products stay far inside int64 for any int32 token id.
BIGRAM_PRIME = 1_000_003
ORDERS = (1, 2)


def bigram_buckets(first, second, buckets: int):
    """The bucket of each bigram ``(first, second)`` of token ids: ``(first * 1_000_003 + second)
    mod buckets``, computed in int64 (the same formula in the padded and the packed paths, and in
    the NumPy reference of the tests)."""
    first, second = ops.cast(first, "int64"), ops.cast(second, "int64")
    return ops.mod(first * BIGRAM_PRIME + second, buckets)


@keras.saving.register_keras_serializable(package="textcnn")
class NgramBag(keras.layers.Layer):
    """The mean of a sentence's word vectors and hashed word-bigram vectors, as in fastText
    (Joulin et al. 2017): a linear bag-of-n-grams model's features.

    Unigram ids index a ``(vocab_size, dim)`` table; each bigram of two consecutive real tokens
    ``(a, b)`` is hashed to bucket ``(a * 1_000_003 + b) mod buckets`` (int64) of a second
    ``(buckets, dim)`` table. The output is the mean of every unigram and bigram vector of the
    sentence (``n`` unigrams and ``n - 1`` bigrams for ``n`` tokens); an empty sentence gives
    zeros. Id 0 is padding and takes part in no n-gram, so the output does not depend on how much
    right padding a batch adds. Both tables start uniform in ``[-1/dim, 1/dim]`` (fastText).

    Args:
        vocab_size: rows of the unigram table (token ids ``0 .. vocab_size - 1``).
        buckets: rows of the bigram table (hash buckets); used only with order 2.
        dim: vector size.
        orders: the n-gram orders in the bag, a non-empty subset of ``(1, 2)``.
        seed: seed of the initial vectors.

    Input shape:
        int token ids ``(batch, time)``, 0 = padding.

    Output shape:
        ``(batch, dim)``.

    Example:
    >>> layer = NgramBag(vocab_size=10, buckets=16, dim=4)
    >>> layer(np.array([[3, 4, 5, 0]])).shape
    (1, 4)
    """

    def __init__(self, vocab_size: int, buckets: int, dim: int, orders=ORDERS, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        orders = tuple(sorted(set((orders,) if isinstance(orders, int) else orders)))
        if not orders or not set(orders) <= set(ORDERS):
            raise ValueError(f"`orders` must be a non-empty subset of {ORDERS}. Received: orders={orders}")
        for name, value in (("vocab_size", vocab_size), ("dim", dim)) + ((("buckets", buckets),) if 2 in orders else ()):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value}")
        self.vocab_size, self.buckets, self.dim, self.orders, self.seed = vocab_size, buckets, dim, orders, seed

    def build(self, input_shape=None):
        def initializer(offset):
            seed = None if self.seed is None else self.seed + offset
            return keras.initializers.RandomUniform(-1.0 / self.dim, 1.0 / self.dim, seed=seed)

        self.unigrams = self.add_weight(name="unigrams", shape=(self.vocab_size, self.dim),
                                        initializer=initializer(0)) if 1 in self.orders else None
        self.bigrams = self.add_weight(name="bigrams", shape=(self.buckets, self.dim),
                                       initializer=initializer(1)) if 2 in self.orders else None

    def _vectors(self, table, ids):
        return ops.cast(ops.take(table, ids, axis=0), self.compute_dtype)

    def call(self, inputs):
        ids = ops.cast(inputs, "int32")
        real = ops.not_equal(ids, 0)
        parts = []  # (vectors, weights) of the n-grams of each order
        if self.unigrams is not None:
            parts.append((self._vectors(self.unigrams, ids), real))
        if self.bigrams is not None:
            pairs = ops.logical_and(real[:, :-1], real[:, 1:])
            parts.append((self._vectors(self.bigrams, bigram_buckets(ids[:, :-1], ids[:, 1:], self.buckets)), pairs))
        total, count = 0, 0
        for vectors, weights in parts:
            weights = ops.cast(weights, self.compute_dtype)
            total = total + ops.sum(vectors * ops.expand_dims(weights, -1), axis=1)
            count = count + ops.sum(weights, axis=1)
        return total / ops.expand_dims(ops.maximum(count, 1), -1)

    def call_packed(self, ids, owner, count):
        """:meth:`call` on sentences packed into one sequence: `ids` ``(time,)`` holds them one
        after another (gaps of any width, also none), `owner` ``(time,)`` each position's sentence
        number ``0 .. count - 1`` (-1: no sentence). Bigrams join only neighbours of the same
        sentence. Returns ``(count, dim)``, what :meth:`call` gives the same sentences right-padded
        in a batch."""
        ids, owner = ops.cast(ids, "int32"), ops.cast(owner, "int32")
        real = ops.logical_and(ops.greater_equal(owner, 0), ops.not_equal(ids, 0))
        parts = []  # (vectors, weights, sentence of each n-gram)
        if self.unigrams is not None:
            parts.append((self._vectors(self.unigrams, ids), real, owner))
        if self.bigrams is not None:
            pairs = ops.logical_and(ops.logical_and(real[:-1], real[1:]), ops.equal(owner[:-1], owner[1:]))
            parts.append((self._vectors(self.bigrams, bigram_buckets(ids[:-1], ids[1:], self.buckets)),
                          pairs, owner[1:]))
        total, counts = 0, 0
        for vectors, weights, sentence in parts:
            segments = ops.where(weights, sentence, count)  # n-grams of no sentence: an extra segment, dropped
            weights = ops.cast(weights, self.compute_dtype)
            total = total + ops.segment_sum(vectors * ops.expand_dims(weights, -1), segments,
                                            num_segments=count + 1)[:count]
            counts = counts + ops.segment_sum(weights, segments, num_segments=count + 1)[:count]
        return total / ops.expand_dims(ops.maximum(counts, 1), -1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, buckets=self.buckets, dim=self.dim, orders=list(self.orders),
                      seed=self.seed)
        return config
