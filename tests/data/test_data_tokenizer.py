"""Tokenizer: Kim's cleaning (Unicode-aware), case handling, truncation, validation."""

from __future__ import annotations

import unicodedata

import pytest

from textcnn.data.tokenizer import Tokenizer


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("It isn't Amélie's best, is it?", ["it", "is", "n't", "amélie", "'s", "best", ",", "is", "it", "?"]),
        ("don't can't won't", ["do", "n't", "ca", "n't", "wo", "n't"]),
        ("we've they're i'd we'll", ["we", "'ve", "they", "'re", "i", "'d", "we", "'ll"]),
        # Kept as tokens: ( ) , ! ? and the quotes ' `.
        ("(Wow)! Really?", ["(", "wow", ")", "!", "really", "?"]),
        ("``quoted'' `tick'", ["``quoted''", "`tick'"]),
        # Dropped: every other punctuation mark, and the underscore.
        ('a "b"; c: d-e... f/g & h.', ["a", "b", "c", "d", "e", "f", "g", "h"]),
        ("3.5 stars, 10/10", ["3", "5", "stars", ",", "10", "10"]),
        ("snake_case", ["snake", "case"]),
        ("  spaced\tout \n text ", ["spaced", "out", "text"]),
        ("", []),
        ("...", []),
    ],
)
def test_kim_cleaning(text, tokens):
    assert Tokenizer().tokenize(text) == tokens


def test_lowercase_on_by_default_and_off_for_trec_style_text():
    text = "Who wrote Hamlet , and WHEN ?"
    assert Tokenizer().tokenize(text) == ["who", "wrote", "hamlet", ",", "and", "when", "?"]
    assert Tokenizer(lowercase=False).tokenize(text) == ["Who", "wrote", "Hamlet", ",", "and", "WHEN", "?"]


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("Un film très émouvant, à voir!", ["un", "film", "très", "émouvant", ",", "à", "voir", "!"]),
        ("Die Größe der Straße", ["die", "größe", "der", "straße"]),
        ("Отличный фильм, смотрите!", ["отличный", "фильм", ",", "смотрите", "!"]),
        ("我爱这部电影。", ["我爱这部电影"]),
        ("great 😀 movie ❤️ 👍🏽!", ["great", "movie", "!"]),
        ("عرض رائع", ["عرض", "رائع"]),
        ("كِتَابٌ جَمِيلٌ", ["كِتَابٌ", "جَمِيلٌ"]),
        # Combining marks stay with their letters (Devanagari vowel signs, decomposed accents).
        ("हिन्दी फ़िल्म", ["हिन्दी", "फ़िल्म"]),
        (unicodedata.normalize("NFD", "café crème"), [unicodedata.normalize("NFD", "café"),
                                                      unicodedata.normalize("NFD", "crème")]),
    ],
)
def test_unicode_letters_of_every_script_are_kept(text, tokens):
    assert Tokenizer().tokenize(text) == tokens


def test_invisible_and_unusual_white_space_separates_tokens():
    assert Tokenizer().tokenize("a\u200bb\xa0c\x85d\u2028e") == ["a", "b", "c", "d", "e"]


def test_whitespace_scheme_only_splits():
    assert Tokenizer("whitespace").tokenize("Isn't it, 3.5?") == ["isn't", "it,", "3.5?"]
    assert Tokenizer("whitespace", lowercase=False).tokenize("A b") == ["A", "b"]


def test_max_tokens_truncates():
    assert Tokenizer(max_tokens=3).tokenize("one two three four five") == ["one", "two", "three"]
    assert Tokenizer(max_tokens=10).tokenize("one two") == ["one", "two"]


def test_bad_scheme_is_rejected():
    with pytest.raises(ValueError) as error:
        Tokenizer(scheme="bpe")
    assert str(error.value) == "`scheme` must be one of ('kim', 'whitespace'). Received: scheme='bpe'"


@pytest.mark.parametrize("max_tokens", [0, -1])
def test_non_positive_max_tokens_is_rejected(max_tokens):
    with pytest.raises(ValueError) as error:
        Tokenizer(max_tokens=max_tokens)
    assert str(error.value) == f"`max_tokens` must be positive or None. Received: max_tokens={max_tokens}"


def test_config_round_trip():
    tokenizer = Tokenizer("whitespace", lowercase=False, max_tokens=7)
    assert tokenizer.get_config() == {"scheme": "whitespace", "lowercase": False, "max_tokens": 7}
    assert Tokenizer(**tokenizer.get_config()) == tokenizer
