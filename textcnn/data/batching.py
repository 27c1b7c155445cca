"""Encoding texts to index arrays, and batching them padded to the longest in each batch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def pad_batch(sequences: Sequence[Sequence[int]], min_length: int = 1) -> np.ndarray:
    """Right-pads index sequences with 0 to the longest in the batch (at least `min_length`)."""
    length = max([min_length, *map(len, sequences)])
    batch = np.zeros((len(sequences), length), dtype="int32")
    for row, seq in enumerate(sequences):
        batch[row, : len(seq)] = seq
    return batch


def batch_order(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None, bucket: bool
) -> list[np.ndarray]:
    """Splits example indices into batches.

    Shuffled when `rng` is given. With `bucket`, examples of similar length share a batch (sorted
    within windows of 50 batches, then the batches shuffled), so little padding is computed;
    the layers' padding invariance makes each batch's outputs the same as unbucketed, but the
    batches are no longer random samples, and on SST-2 that cost about one point of accuracy
    (benchmarks/), so training does not bucket by default.
    """
    order = np.arange(len(lengths))
    if rng is not None:
        rng.shuffle(order)
    if bucket:
        lengths = np.asarray(lengths)
        window = batch_size * 50
        order = np.concatenate(
            [chunk[np.argsort(lengths[chunk], kind="stable")]
             for chunk in np.array_split(order, max(1, int(np.ceil(len(order) / window))))]
        ) if len(order) else order
    batches = [order[i: i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None and bucket:
        rng.shuffle(batches)
    return batches


def iterate_batches(
    sequences: Sequence[Sequence[int]],
    labels: np.ndarray | None,
    batch_size: int,
    rng: np.random.Generator | None = None,
    bucket: bool = True,
) -> Iterator[tuple[np.ndarray, np.ndarray] | np.ndarray]:
    """Yields padded batches (and their labels when given)."""
    for idx in batch_order([len(s) for s in sequences], batch_size, rng, bucket):
        x = pad_batch([sequences[i] for i in idx])
        yield (x, labels[idx]) if labels is not None else x
