"""`unknown_word_rate`: words seen once in training stand in for the words a model has never
seen, so the unknown token's vector is learned instead of staying at its random start (which made
every unseen word at prediction time push each seed's model a different random way:
benchmarks/seed_variance.md)."""

from __future__ import annotations

import numpy as np
import pytest

from textcnn.config import TrainConfig
from textcnn.data.formats import LabeledTexts
from textcnn.data.tokenizer import Tokenizer
from textcnn.errors import TextcnnError
from textcnn.training import train_on_splits

TEXTS = ["good film", "bad film", "great fun", "awful mess", "good fun", "bad mess", "lovely", "dreadful"] * 6 + [
    "rare1 good", "rare2 bad", "rare3 great", "rare4 awful"]
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg"] * 6 + ["pos", "neg", "pos", "neg"]


def _config(**changes):
    return TrainConfig.from_preset("fast", embedding_dim=4, feature_maps=3, region_sizes=(1, 2), epochs=3,
                                   patience=None, batch_size=8, seed=3, **changes)


def _inputs(rate):
    from textcnn.data.vocabulary import Vocabulary
    from textcnn.training.text import TextInputs

    tokenizer = Tokenizer()
    tokens = [tokenizer.tokenize(t) for t in TEXTS]
    vocabulary = Vocabulary.build(tokens)
    ids = [vocabulary.encode(t) for t in tokens]
    y = np.array([LABELS.index(l) % 2 for l in LABELS])
    return TextInputs(_config(unknown_word_rate=rate), ids, y, ids[:4], 2, vocabulary, None), vocabulary


def test_only_words_seen_once_are_replaced_at_the_rate_and_reproducibly():
    inputs, vocabulary = _inputs(0.5)
    flat = np.tile(inputs.flat_ids, 200)
    replaced = inputs.with_unknown_words(flat, epoch=0)
    changed = replaced != flat
    singles = {vocabulary.encode([w])[0] for w in ("rare1", "rare2", "rare3", "rare4")}
    assert set(np.unique(flat[changed])) <= singles
    assert np.all(replaced[changed] == 1)
    share = changed[np.isin(flat, list(singles))].mean()
    assert 0.4 < share < 0.6
    np.testing.assert_array_equal(replaced, inputs.with_unknown_words(flat, epoch=0))  # resumable
    assert not np.array_equal(replaced, inputs.with_unknown_words(flat, epoch=1))      # new each epoch
    off, _ = _inputs(0.0)
    np.testing.assert_array_equal(off.with_unknown_words(flat, epoch=0), flat)


@pytest.mark.parametrize("rate, learned", [(0.0, False), (0.5, True)])
def test_the_unknown_vector_is_learned_only_with_a_rate(rate, learned):
    import keras

    config = _config(unknown_word_rate=rate)
    data = LabeledTexts(TEXTS, LABELS)
    keras.utils.set_random_seed(config.seed)
    untrained = train_on_splits(config.replace(epochs=1, learning_rate=1e-9), data, data, None, ["neg", "pos"],
                                Tokenizer(), verbose=0)
    trained = train_on_splits(config, data, data, None, ["neg", "pos"], Tokenizer(), verbose=0)
    start = untrained.classifier.model.get_layer("embedding").get_weights()[0][1]
    end = trained.classifier.model.get_layer("embedding").get_weights()[0][1]
    assert np.allclose(start, end, atol=1e-6) != learned


def test_the_rate_is_checked():
    with pytest.raises(TextcnnError, match="unknown_word_rate"):
        _config(unknown_word_rate=1.5)
