"""The vocabulary: token <-> index, built from the training split only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

PAD = "<pad>"
UNK = "<unk>"


class Vocabulary:
    """An ordered token list. Index 0 is padding, index 1 the unknown token.

    Example:
    >>> vocab = Vocabulary.build([["a", "b", "a"], ["c"]], min_count=1)
    >>> vocab.encode(["a", "zzz"])
    [2, 1]
    """

    def __init__(self, tokens: Sequence[str], counts: dict[str, int] | None = None):
        tokens = list(tokens)
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"A vocabulary must start with {PAD!r}, {UNK!r}. Received: {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("A vocabulary must not repeat a token.")
        self.tokens = tokens
        self.counts = dict(counts or {})
        self._index = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def build(
        cls, token_lists: Iterable[Sequence[str]], min_count: int = 1, max_size: int | None = None
    ) -> "Vocabulary":
        """Counts tokens and keeps those seen at least `min_count` times, most frequent first."""
        if min_count < 1:
            raise ValueError(f"`min_count` must be at least 1. Received: min_count={min_count}")
        counter = Counter(token for tokens in token_lists for token in tokens)
        counter.pop(PAD, None)
        counter.pop(UNK, None)
        # Most frequent first, ties broken by the token so the order is reproducible.
        kept = sorted((t for t, c in counter.items() if c >= min_count), key=lambda t: (-counter[t], t))
        if max_size is not None:
            kept = kept[: max(max_size - 2, 0)]
        return cls([PAD, UNK, *kept], {t: counter[t] for t in kept})

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._index

    def encode(self, tokens: Sequence[str]) -> list[int]:
        index = self._index
        return [index.get(token, 1) for token in tokens]
