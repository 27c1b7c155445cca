"""The tokenizer as TensorFlow string ops, so that an exported model tokenises inside its graph.

It gives the same tokens as :class:`textcnn.data.tokenizer.Tokenizer` (tests compare the two on
every Unicode character and on hard sentences). TensorFlow's regular expressions are RE2's, which
differ from Python's ``re`` in three ways that matter here, each handled below:

- ``\\w``, ``\\s`` and ``\\b`` are ASCII-only in RE2 and Unicode-aware in Python: the classes are
  spelled out with Unicode categories (``\\pL\\pN_`` for a word character, Python's white space
  list for ``\\s``).
- RE2 has no look-around, and a match cannot reuse the character that ended the previous one:
  "``'s`` at the end of a word" is found by first hiding the apostrophes of clitics that a word
  character follows, then splitting off the rest (see `_split_clitic`).
- RE2's Unicode tables (and TensorFlow's lower-casing tables) are of another Unicode version than
  Python's ``unicodedata``: characters this Python does not know are dropped explicitly
  (`unassigned_class`), and characters TensorFlow lower-cases differently are mapped by a table
  built from ``str.lower`` (`lowercase_fixes`), both computed from the running Python. A character
  unknown to Python is blanked first: a combining mark after it is then dropped, as Python drops
  a mark after a character that is neither letter, digit nor mark.
- Python decides per character whether a combining mark is kept (`_drop_symbol`); here a mark
  after anything but a letter, digit or mark is blanked by one pattern that consumes the
  character before it.
"""

from __future__ import annotations

import functools
import unicodedata

import tensorflow as tf

from textcnn.data.tokenizer import Tokenizer

WORD = r"\pL\pN_"
# str.isspace(): categories Zs, Zl, Zp and the bidirectional classes B, S, WS.
SPACE = r"\t\n\v\f\r\x1c-\x1f\x85\pZ"
# A character that cannot occur after Kim's first rule (it drops control characters).
_HIDDEN = "\x01"


def _code_points():
    return (chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


@functools.cache
def unassigned_class() -> str:
    """An RE2 class body of the code points unassigned in this Python's Unicode version."""
    ranges, start, previous = [], None, None
    for char in _code_points():
        code = ord(char)
        if unicodedata.category(char) == "Cn":
            if start is None or code != previous + 1:
                if start is not None:
                    ranges.append((start, previous))
                start = code
            previous = code
    ranges.append((start, previous))
    return "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)


@functools.cache
def lowercase_fixes() -> tuple[tuple[str, str], ...]:
    """``(char, str.lower(char))`` for the characters ``tf.strings.lower`` maps otherwise."""
    chars = [char for char in _code_points() if char.lower() != char]
    lowered = tf.strings.lower(tf.constant(chars), encoding="utf-8").numpy()
    return tuple((char, char.lower()) for char, got in zip(chars, lowered)
                 if got.decode("utf-8") != char.lower())


def _split_clitic(text, clitic: str):
    """``text`` with `clitic` (``'s``, ``n't``, ...) split off where a word ends after it."""
    if clitic.startswith("'"):
        # Where a word character follows, the clitic stays: hide its apostrophe, split off every
        # remaining one, then show it again (the trailing character a match consumes is a word
        # character, which cannot start the next match).
        text = tf.strings.regex_replace(text, f"'({clitic[1:]}[{WORD}])", _HIDDEN + r"\1")
        text = tf.strings.regex_replace(text, clitic, " " + clitic)
        return tf.strings.regex_replace(text, _HIDDEN, "'")
    # n't: the character after a match is not a word character, so it never starts the next one.
    return tf.strings.regex_replace(text, f"{clitic}([^{WORD}]|$)", f" {clitic}" + r"\1")


class GraphTokenizer(tf.Module):
    """A :class:`Tokenizer` as TensorFlow ops: 1-D string tensor in, ``tf.RaggedTensor`` of tokens
    out. A ``tf.Module``, so a SavedModel that holds it keeps its lookup table.

    Example:
    >>> GraphTokenizer(Tokenizer())(tf.constant(["It isn't bad!"])).to_list()
    [[b'it', b'is', b"n't", b'bad', b'!']]
    """

    def __init__(self, tokenizer: Tokenizer, name: str = "tokenizer"):
        super().__init__(name=name)
        self.scheme = tokenizer.scheme
        self.lowercase = tokenizer.lowercase
        self.max_tokens = tokenizer.max_tokens
        self._unknown = unassigned_class() if self.scheme == "kim" else ""
        fixes = lowercase_fixes() if self.lowercase else ()
        self._fixes = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
            [a for a, _ in fixes], [b for _, b in fixes], tf.string, tf.string), "") if fixes else None
        self._fix_pattern = "(?s).*[" + "".join(f"\\x{{{ord(a):x}}}" for a, _ in fixes) + "].*"

    def _lower(self, text):
        """``str.lower``: TensorFlow's lower-casing, then `lowercase_fixes`."""
        text = tf.strings.lower(text, encoding="utf-8")
        if self._fixes is None:
            return text

        def fix():
            chars = tf.strings.unicode_split(text, "UTF-8")
            fixed = tf.ragged.map_flat_values(self._fixes.lookup, chars)
            chars = tf.ragged.map_flat_values(lambda c, f: tf.where(f == "", c, f), chars, fixed)
            return tf.strings.reduce_join(chars, axis=-1)

        # Splitting into characters is slow: only for a batch that holds such a character.
        needed = tf.reduce_any(tf.strings.regex_full_match(text, self._fix_pattern))
        return tf.cond(needed, fix, lambda: text)

    def __call__(self, texts):
        text = tf.convert_to_tensor(texts, tf.string)
        if self.lowercase:
            text = self._lower(text)
        if self.scheme == "kim":
            # Kim's first rule: blank everything but word characters, white space and (),!?'`;
            # a combining mark survives only after a letter, digit or another mark; characters
            # this Python does not know are none of these.
            if self._unknown:
                text = tf.strings.regex_replace(text, f"[{self._unknown}]", " ")
            text = tf.strings.regex_replace(text, r"(^|[^\pL\pN\pM])\pM", r"\1 ")
            text = tf.strings.regex_replace(text, f"[^{WORD}{SPACE}\\pM(),!?'`]|_", " ")
            for clitic in ("'s", "'ve", "n't", "'re", "'d", "'ll"):
                text = _split_clitic(text, clitic)
            text = tf.strings.regex_replace(text, r"([,!()?])", r" \1 ")
        text = tf.strings.regex_replace(text, f"[{SPACE}]+", " ")
        tokens = tf.strings.split(text)
        if self.max_tokens:
            tokens = tokens[:, : self.max_tokens]
        return tokens
