"""Padding and batch order: every example once, similar lengths together, seeded."""

from __future__ import annotations

import numpy as np

from textcnn.data.batching import batch_order, iterate_batches, pad_batch


def test_pad_batch_right_pads_with_zero_to_the_longest():
    batch = pad_batch([[5, 6, 7], [8], [9, 10]])
    assert batch.dtype == np.int32
    np.testing.assert_array_equal(batch, [[5, 6, 7], [8, 0, 0], [9, 10, 0]])


def test_pad_batch_min_length_and_empty_sequences():
    np.testing.assert_array_equal(pad_batch([[1], []], min_length=3), [[1, 0, 0], [0, 0, 0]])
    assert pad_batch([[], []]).shape == (2, 1)


def lengths_of(count, seed=0):
    return np.random.default_rng(seed).integers(1, 60, size=count)


def assert_each_index_once(batches, count):
    every = np.concatenate(batches)
    assert sorted(every.tolist()) == list(range(count))


def test_batch_order_covers_every_index_once():
    lengths = lengths_of(1003)
    for rng in (None, np.random.default_rng(0)):
        for bucket in (False, True):
            batches = batch_order(lengths, 50, rng, bucket)
            assert_each_index_once(batches, len(lengths))
            sizes = [len(b) for b in batches]
            assert sorted(sizes, reverse=True) == [50] * 20 + [3]
            if not (bucket and rng is not None):  # only shuffled buckets move the short batch
                assert sizes == [50] * 20 + [3]


def test_without_rng_or_bucketing_the_order_is_the_input_order():
    batches = batch_order([3, 1, 2, 5, 4], 2, None, bucket=False)
    assert [b.tolist() for b in batches] == [[0, 1], [2, 3], [4]]


def test_bucketing_groups_similar_lengths():
    lengths = lengths_of(2000)

    def padding(batches):
        return sum(int(lengths[b].max()) * len(b) - int(lengths[b].sum()) for b in batches)

    shuffled = batch_order(lengths, 50, np.random.default_rng(1), bucket=False)
    bucketed = batch_order(lengths, 50, np.random.default_rng(1), bucket=True)
    assert padding(bucketed) < padding(shuffled) / 5
    # Without shuffling, a window of 50 batches is sorted by length.
    ordered = batch_order(lengths, 50, None, bucket=True)
    flat = np.concatenate(ordered)
    assert np.all(np.diff(lengths[flat]) >= 0)


def test_batch_order_is_deterministic_for_a_seed():
    lengths = lengths_of(500)
    for bucket in (False, True):
        first = batch_order(lengths, 32, np.random.default_rng(7), bucket)
        again = batch_order(lengths, 32, np.random.default_rng(7), bucket)
        other = batch_order(lengths, 32, np.random.default_rng(8), bucket)
        assert [b.tolist() for b in first] == [b.tolist() for b in again]
        assert [b.tolist() for b in first] != [b.tolist() for b in other]


def test_batch_order_of_nothing():
    assert batch_order([], 10, np.random.default_rng(0), bucket=True) == []


def test_iterate_batches_yields_padded_batches_with_their_labels():
    sequences = [[1, 2, 3], [4], [5, 6]]
    labels = np.array([0, 1, 2])
    seen = []
    for x, y in iterate_batches(sequences, labels, batch_size=2, bucket=False):
        assert x.shape[0] == y.shape[0]
        for row, label in zip(x, y):
            seen.append((row[row != 0].tolist(), int(label)))
    assert seen == [([1, 2, 3], 0), ([4], 1), ([5, 6], 2)]
    unlabeled = list(iterate_batches(sequences, None, batch_size=3, bucket=False))
    assert len(unlabeled) == 1 and unlabeled[0].shape == (3, 3)
