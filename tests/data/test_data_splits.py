"""Stratified hold-out splits and k folds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from textcnn.data.splits import stratified_kfold, stratified_split
from textcnn.errors import TextcnnError

LABELS = ["a"] * 60 + ["b"] * 30 + ["c"] * 10


def counts(indices, labels=LABELS):
    return Counter(labels[i] for i in indices)


def test_split_holds_out_the_fraction_of_every_class():
    kept, held = stratified_split(LABELS, 0.2, seed=0)
    assert counts(held) == {"a": 12, "b": 6, "c": 2}
    assert counts(kept) == {"a": 48, "b": 24, "c": 8}


def test_split_is_disjoint_complete_and_sorted():
    kept, held = stratified_split(LABELS, 0.3, seed=1)
    assert not set(kept) & set(held)
    assert sorted([*kept, *held]) == list(range(len(LABELS)))
    assert list(held) == sorted(held) and list(kept) == sorted(kept)


def test_split_is_seeded():
    first = stratified_split(LABELS, 0.2, seed=3)
    again = stratified_split(LABELS, 0.2, seed=3)
    other = stratified_split(LABELS, 0.2, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_split_holds_out_at_least_one_but_never_a_lone_example():
    labels = ["a"] * 10 + ["b"] * 2 + ["c"]
    kept, held = stratified_split(labels, 0.1, seed=0)
    assert counts(held, labels) == {"a": 1, "b": 1}
    assert counts(kept, labels) == {"a": 9, "b": 1, "c": 1}


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_split_fraction_must_be_inside_0_1(fraction):
    with pytest.raises(TextcnnError) as error:
        stratified_split(LABELS, fraction, seed=0)
    assert str(error.value) == f"A split fraction must be between 0 and 1. Received: {fraction}"


@pytest.mark.parametrize("folds", [2, 3, 7, 10])
def test_kfold_folds_are_disjoint_and_cover_everything(folds):
    parts = stratified_kfold(LABELS, folds, seed=0)
    assert len(parts) == folds
    every = np.concatenate(parts)
    assert sorted(every) == list(range(len(LABELS)))  # each index exactly once


@pytest.mark.parametrize("folds", [2, 3, 7, 10])
def test_kfold_spreads_every_class_evenly(folds):
    labels = ["a"] * 61 + ["b"] * 29 + ["c"] * 11 + ["d"] * 3
    parts = stratified_kfold(labels, folds, seed=5)
    for label in set(labels):
        per_fold = [counts(part, labels)[label] for part in parts]
        assert max(per_fold) - min(per_fold) <= 1, (label, per_fold)
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1


def test_kfold_is_seeded():
    first = stratified_kfold(LABELS, 5, seed=2)
    again = stratified_kfold(LABELS, 5, seed=2)
    other = stratified_kfold(LABELS, 5, seed=3)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not all(np.array_equal(x, y) for x, y in zip(first, other))


def test_kfold_needs_two_folds():
    with pytest.raises(TextcnnError) as error:
        stratified_kfold(LABELS, 1, seed=0)
    assert str(error.value) == "Cross-validation needs at least 2 folds. Received: folds=1"


def test_kfold_needs_as_many_examples_as_folds():
    with pytest.raises(TextcnnError) as error:
        stratified_kfold(["a", "b", "a"], 4, seed=0)
    assert str(error.value) == "Cannot make 4 folds from 3 examples."


def test_stratified_split_keeps_at_least_one_example_of_every_class():
    labels = ["a", "a", "b", "b", "b"]
    kept, held = stratified_split(labels, 0.9, seed=0)
    assert {labels[i] for i in kept} == {"a", "b"} and {labels[i] for i in held} == {"a", "b"}
