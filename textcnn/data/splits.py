"""Stratified splits: a held-out fraction, and k folds for cross-validation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textcnn.errors import TextcnnError


def stratified_split(labels: Sequence[str], fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, held_out), holding out `fraction` of every class (at least one example)."""
    if not 0 < fraction < 1:
        raise TextcnnError(f"A split fraction must be between 0 and 1. Received: {fraction}")
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    held = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        if len(members) > 1:  # hold out at least one, and keep at least one
            held.extend(members[: min(max(1, int(round(fraction * len(members)))), len(members) - 1)])
    held = np.sort(np.asarray(held, dtype=int))
    kept = np.setdiff1d(np.arange(len(labels)), held)
    return kept, held


def stratified_kfold(labels: Sequence[str], folds: int, seed: int) -> list[np.ndarray]:
    """`folds` disjoint test-index arrays covering every example, each class spread evenly."""
    labels = np.asarray(labels)
    if folds < 2:
        raise TextcnnError(f"Cross-validation needs at least 2 folds. Received: folds={folds}")
    if len(labels) < folds:
        raise TextcnnError(f"Cannot make {folds} folds from {len(labels)} examples.")
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), dtype=int)
    offset = 0
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        # Continue the round-robin where the previous class stopped, so fold sizes stay even.
        assignment[members] = (np.arange(len(members)) + offset) % folds
        offset += len(members)
    return [np.flatnonzero(assignment == k) for k in range(folds)]
