"""NgramBag: the mean of a sentence's unigram and hashed bigram vectors, against NumPy."""

import keras
import numpy as np
import pytest

from textcnn.inference.packing import pack
from textcnn.layers import NgramBag

RNG = np.random.default_rng(0)
LENGTHS = [5, 0, 1, 2, 9, 3]  # an empty sentence and a one-word sentence (no bigram)


def reference_bucket(a, b, buckets):
    """The documented hash: (a * 1_000_003 + b) mod buckets, in Python integers."""
    return (int(a) * 1_000_003 + int(b)) % buckets


def reference_bag(sentence, layer):
    """NumPy: the mean of the sentence's unigram and bigram vectors (zeros for no n-gram)."""
    vectors = []
    if 1 in layer.orders:
        unigrams = np.asarray(layer.unigrams, "float64")
        vectors += [unigrams[i] for i in sentence]
    if 2 in layer.orders:
        bigrams = np.asarray(layer.bigrams, "float64")
        vectors += [bigrams[reference_bucket(a, b, layer.buckets)] for a, b in zip(sentence[:-1], sentence[1:])]
    return np.mean(vectors, axis=0) if vectors else np.zeros(layer.dim)


def make_layer(orders=(1, 2), vocab_size=50, buckets=37, dim=4, seed=3):
    layer = NgramBag(vocab_size, buckets, dim, orders=orders, seed=seed)
    layer.build((None, None))
    # Larger vectors than the 1/dim initialisation, so that a wrong n-gram shows.
    for weight in layer.weights:
        weight.assign(RNG.normal(size=weight.shape).astype("float32"))
    return layer


def sentences(vocab_size=50, lengths=LENGTHS):
    return [RNG.integers(1, vocab_size, size=n).tolist() for n in lengths]


def padded(sequences, width=None):
    width = max(map(len, sequences)) if width is None else width
    batch = np.zeros((len(sequences), width), "int32")
    for row, sequence in enumerate(sequences):
        batch[row, :len(sequence)] = sequence
    return batch


@pytest.mark.parametrize("orders", [(1, 2), (1,), (2,)])
def test_matches_numpy_reference_on_padded_batches(orders):
    layer = make_layer(orders)
    batch = sentences()
    got = np.asarray(layer(padded(batch)))
    assert got.shape == (len(batch), 4)
    for row, sentence in enumerate(batch):
        np.testing.assert_allclose(got[row], reference_bag(sentence, layer), rtol=1e-5, atol=1e-6)
    assert not got[1].any()  # the empty sentence


def test_hash_uses_large_ids_without_overflow():
    layer = make_layer(orders=(2,), vocab_size=3_000_000, buckets=200_003, dim=2)
    sentence = [2_999_999, 2_999_998, 1, 2_500_000]
    got = np.asarray(layer(padded([sentence])))[0]
    np.testing.assert_allclose(got, reference_bag(sentence, layer), rtol=1e-5, atol=1e-6)


def test_extra_padding_changes_nothing():
    layer = make_layer()
    batch = sentences()
    narrow = np.asarray(layer(padded(batch)))
    wide = np.asarray(layer(padded(batch, width=20)))
    np.testing.assert_allclose(wide, narrow, rtol=1e-6, atol=1e-7)
    for row, sentence in enumerate(batch):
        if sentence:
            np.testing.assert_allclose(np.asarray(layer(np.array([sentence], "int32")))[0], narrow[row],
                                       rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("gap", [0, 1, 4])
@pytest.mark.parametrize("orders", [(1, 2), (2,)])
def test_call_packed_equals_call(gap, orders):
    layer = make_layer(orders)
    batch = sentences()
    ids, owner = pack(batch, gap)
    got = np.asarray(layer.call_packed(ids, owner, len(batch)))
    assert got.shape == (len(batch), 4)
    np.testing.assert_allclose(got, np.asarray(layer(padded(batch))), rtol=1e-5, atol=1e-6)


def test_bigrams_do_not_cross_sentences_packed_without_gaps():
    layer = make_layer(orders=(2,))
    batch = [[3, 4], [5, 6]]
    ids, owner = pack(batch, gap=0)  # 3 4 5 6: (4, 5) is no bigram of either sentence
    got = np.asarray(layer.call_packed(ids, owner, 2))
    bigrams = np.asarray(layer.bigrams)
    np.testing.assert_allclose(got[0], bigrams[reference_bucket(3, 4, 37)], rtol=1e-6)
    np.testing.assert_allclose(got[1], bigrams[reference_bucket(5, 6, 37)], rtol=1e-6)


def test_initial_vectors_are_small_and_seeded():
    a, b = NgramBag(20, 30, 8, seed=1), NgramBag(20, 30, 8, seed=1)
    a.build((None, None))
    b.build((None, None))
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
        assert np.abs(np.asarray(x)).max() <= 1 / 8


def test_serialization_round_trip(tmp_path):
    layer = NgramBag(50, 37, 4, orders=(1, 2), seed=5, name="ngram_bag")
    clone = NgramBag.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    tokens = keras.Input((None,), dtype="int32")
    model = keras.Model(tokens, NgramBag(50, 37, 4, seed=5)(tokens))
    model.layers[-1].set_weights([w.astype("float32") for w in (RNG.normal(size=(50, 4)), RNG.normal(size=(37, 4)))])
    path = tmp_path / "bag.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    batch = padded(sentences())
    np.testing.assert_allclose(np.asarray(loaded(batch)), np.asarray(model(batch)), rtol=1e-6)


def test_refuses_bad_arguments():
    with pytest.raises(ValueError, match="orders"):
        NgramBag(10, 10, 4, orders=(3,))
    with pytest.raises(ValueError, match="buckets"):
        NgramBag(10, 0, 4)
    with pytest.raises(ValueError, match="dim"):
        NgramBag(10, 10, 0)
    NgramBag(10, 0, 4, orders=(1,))  # unigrams only need no buckets
