"""GraphTokenizer: the tokenizer as TensorFlow ops gives exactly the Python tokenizer's tokens."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from textcnn.data.tokenizer import Tokenizer

tf = pytest.importorskip("tensorflow")
from textcnn.data.graph_tokenizer import GraphTokenizer, lowercase_fixes  # noqa: E402

HARD_CASES = [
    "It isn't Amélie's best, is it?",
    "don't can't won't shan't n't n'tn't isn'tx",
    "we've they're i'd we'll 'S 'LL 'sx 's's's x's's y'dd",
    "(Wow)! Really?? ,,, !!! ((a)) [b] {c} <d>",
    "``quoted'' `tick' \"double\" ‘curly’ «guillemets»",
    'a "b"; c: d-e... f/g & h. snake_case __init__ 3.5 stars, 10/10 $5 50% #1 @user',
    "  spaced\tout \n text \r\n\v\f ",
    "a\u200bb\xa0c\x85d\u2028e\u3000f\x1cg",
    "", " ", "...", "'", "n't",
    "Un film très émouvant, à voir!", "Die Größe der Straße, STRASSE",
    "Отличный ФИЛЬМ, смотрите!", "我爱这部电影。", "great 😀 movie ❤️ 👍🏽!",
    "عرض رائع", "كِتَابٌ جَمِيلٌ", "हिन्दी फ़िल्म", "ΟΔΟΣ Σίσυφος ΣΑΣ", "İstanbul DİYARBAKIR",
    unicodedata.normalize("NFD", "Café Crème"), "\u0301leading mark, !\u0301\u0301 x\u0301",
    "Who wrote Hamlet , and WHEN ?", "ⰯⱟꟀ Ⅻ ① ½ ²",
]


def graph_tokens(tokenizer: Tokenizer, texts: list[str]) -> list[list[str]]:
    tokens = GraphTokenizer(tokenizer)(tf.constant(texts, tf.string)).to_list()
    return [[token.decode("utf-8") for token in row] for row in tokens]


@pytest.mark.parametrize("tokenizer", [Tokenizer(), Tokenizer(lowercase=False), Tokenizer(max_tokens=3),
                                       Tokenizer("whitespace"), Tokenizer("whitespace", lowercase=False)],
                         ids=["kim", "kim-cased", "kim-max3", "whitespace", "whitespace-cased"])
def test_hard_cases_match_the_python_tokenizer(tokenizer):
    assert graph_tokens(tokenizer, HARD_CASES) == [tokenizer.tokenize(t) for t in HARD_CASES]


def test_case_is_kept_when_lowercase_is_off():
    assert graph_tokens(Tokenizer(lowercase=False), ["Who wrote Hamlet?"]) == [["Who", "wrote", "Hamlet", "?"]]


def test_lowercase_fixes_cover_characters_tensorflow_lowercases_otherwise():
    fixes = dict(lowercase_fixes())
    assert all(char.lower() == lowered for char, lowered in fixes.items())
    tokens = graph_tokens(Tokenizer(), ["".join(fixes) or "x"])
    assert tokens == [Tokenizer().tokenize("".join(fixes) or "x")]


def _every_character(step: int):
    return [chr(c) for c in range(1, sys.maxunicode + 1, step) if not 0xD800 <= c <= 0xDFFF]


def _compare_characters(chars, tokenizer):
    # Each character alone, between letters, before a clitic and before a combining mark.
    texts = [f"a{c}b {c}x'{c}s x{c}\u0301 !{c}\u0301 {c}{c.upper()}" for c in chars]
    got = graph_tokens(tokenizer, texts)
    wrong = [(hex(ord(c)), tokenizer.tokenize(t), g) for c, t, g in zip(chars, texts, got)
             if tokenizer.tokenize(t) != g]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("lowercase", [True, False])
def test_a_sample_of_all_unicode_characters_matches(lowercase):
    _compare_characters(_every_character(13), Tokenizer(lowercase=lowercase))


@pytest.mark.slow
@pytest.mark.parametrize("lowercase", [True, False])
def test_every_unicode_character_matches(lowercase):
    _compare_characters(_every_character(1), Tokenizer(lowercase=lowercase))
