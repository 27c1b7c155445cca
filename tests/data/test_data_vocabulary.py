"""Vocabulary: built from token lists, ordered by frequency then token, padding 0, unknown 1."""

from __future__ import annotations

import pytest

from textcnn.data.vocabulary import PAD, UNK, Vocabulary

TOKEN_LISTS = [["b", "a", "a"], ["c", "b", "a"], ["d"], ["e", "e"]]  # a 3, b 2, e 2, c 1, d 1


def test_build_orders_by_frequency_then_token():
    vocab = Vocabulary.build(TOKEN_LISTS)
    assert vocab.tokens == [PAD, UNK, "a", "b", "e", "c", "d"]
    assert vocab.counts == {"a": 3, "b": 2, "e": 2, "c": 1, "d": 1}
    assert len(vocab) == 7


def test_padding_is_0_and_unknown_is_1():
    vocab = Vocabulary.build(TOKEN_LISTS)
    assert (PAD, UNK) == ("<pad>", "<unk>")
    assert vocab.tokens[:2] == [PAD, UNK]
    assert vocab.encode(["a", "zzz", "d", "A", ""]) == [2, 1, 6, 1, 1]
    assert vocab.encode([]) == []


def test_min_count_drops_rare_tokens():
    vocab = Vocabulary.build(TOKEN_LISTS, min_count=2)
    assert vocab.tokens == [PAD, UNK, "a", "b", "e"]
    assert vocab.counts == {"a": 3, "b": 2, "e": 2}
    assert "c" not in vocab and "a" in vocab
    assert vocab.encode(["c", "e"]) == [1, 4]


def test_max_size_counts_padding_and_unknown():
    vocab = Vocabulary.build(TOKEN_LISTS, max_size=4)
    assert vocab.tokens == [PAD, UNK, "a", "b"]
    assert Vocabulary.build(TOKEN_LISTS, max_size=2).tokens == [PAD, UNK]
    assert len(Vocabulary.build(TOKEN_LISTS, max_size=100)) == 7


def test_build_is_independent_of_input_order():
    assert Vocabulary.build(TOKEN_LISTS[::-1]).tokens == Vocabulary.build(TOKEN_LISTS).tokens


def test_reserved_tokens_in_the_data_are_not_repeated():
    vocab = Vocabulary.build([[PAD, UNK, "x", PAD]])
    assert vocab.tokens == [PAD, UNK, "x"]


def test_min_count_below_one_is_rejected():
    with pytest.raises(ValueError) as error:
        Vocabulary.build(TOKEN_LISTS, min_count=0)
    assert str(error.value) == "`min_count` must be at least 1. Received: min_count=0"


def test_token_list_must_start_with_padding_and_unknown():
    with pytest.raises(ValueError) as error:
        Vocabulary(["a", "b"])
    assert str(error.value) == "A vocabulary must start with '<pad>', '<unk>'. Received: ['a', 'b']"


def test_token_list_must_not_repeat():
    with pytest.raises(ValueError) as error:
        Vocabulary([PAD, UNK, "a", "a"])
    assert str(error.value) == "A vocabulary must not repeat a token."


def test_round_trip_through_the_token_list():
    vocab = Vocabulary.build(TOKEN_LISTS)
    again = Vocabulary(vocab.tokens)
    assert again.tokens == vocab.tokens
    assert again.encode(["e", "c", "?"]) == vocab.encode(["e", "c", "?"]) == [4, 5, 1]
