"""Tokenisation: Kim's cleaning, made Unicode-aware, or plain whitespace splitting."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

SCHEMES = ("kim", "whitespace")

# Kim (2014) kept only [A-Za-z0-9(),!?'`]; \w keeps letters and digits of every script instead,
# so non-English text is not stripped.


def _drop_symbol(match: re.Match) -> str:
    """Blanks a character Kim dropped, but keeps a combining mark that follows a kept letter or
    mark: a word character class does not match marks, yet Devanagari vowel signs and
    decomposed accents (NFD "café") are parts of their word."""
    char, start = match.group(), match.start()
    if char != "_" and start and unicodedata.category(char)[0] == "M":
        previous = match.string[start - 1]
        if previous.isalnum() or unicodedata.category(previous)[0] == "M":
            return char
    return " "


_KIM_RULES = [
    (re.compile(r"[^\w\s(),!?'`]|_"), _drop_symbol),
    (re.compile(r"'s\b"), " 's"),
    (re.compile(r"'ve\b"), " 've"),
    (re.compile(r"n't\b"), " n't"),
    (re.compile(r"'re\b"), " 're"),
    (re.compile(r"'d\b"), " 'd"),
    (re.compile(r"'ll\b"), " 'll"),
    (re.compile(r","), " , "),
    (re.compile(r"!"), " ! "),
    (re.compile(r"\("), " ( "),
    (re.compile(r"\)"), " ) "),
    (re.compile(r"\?"), " ? "),
]


@dataclass(frozen=True)
class Tokenizer:
    """Turns a text into a list of tokens.

    Args:
        scheme: ``"kim"``: Kim's ``clean_str`` (punctuation other than ``(),!?'`` dropped,
            clitics such as ``n't`` and ``'s`` split off), except that letters and digits of
            every script are kept. ``"whitespace"``: split on white space only (for
            pre-tokenised text).
        lowercase: lower-case the text first (Kim did, except on TREC, where case helps).
        max_tokens: keep at most this many tokens (``None``: all).

    Example:
    >>> Tokenizer().tokenize("It isn't Amélie's best, is it?")
    ['it', 'is', "n't", 'amélie', "'s", 'best', ',', 'is', 'it', '?']
    """

    scheme: str = "kim"
    lowercase: bool = True
    max_tokens: int | None = None

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise ValueError(f"`scheme` must be one of {SCHEMES}. Received: scheme={self.scheme!r}")
        if self.max_tokens is not None and self.max_tokens <= 0:
            raise ValueError(
                f"`max_tokens` must be positive or None. Received: max_tokens={self.max_tokens}"
            )

    def tokenize(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        if self.scheme == "kim":
            for pattern, replacement in _KIM_RULES:
                text = pattern.sub(replacement, text)
        tokens = text.split()
        return tokens[: self.max_tokens] if self.max_tokens else tokens

    def get_config(self) -> dict:
        return asdict(self)
