"""Reading labelled texts from files: CSV, TSV, JSON Lines, fastText ``__label__`` and
``<label> <text>`` lines."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from textcnn.errors import TextcnnError

FORMATS = ("csv", "tsv", "jsonl", "fasttext", "label-first")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
FASTTEXT_PREFIX = "__label__"


@dataclass
class LabeledTexts:
    """Parallel lists of texts and their labels."""

    texts: list[str]
    labels: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> "LabeledTexts":
        return LabeledTexts([self.texts[i] for i in indices], [self.labels[i] for i in indices])


def read_bytes(path: Path) -> bytes:
    """A file's bytes; a one-line error when it is missing or unreadable."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise TextcnnError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise TextcnnError(f"Expected a file, found a directory: {path}") from None
    except OSError as error:
        raise TextcnnError(f"Cannot read {path}: {error.strerror}") from None


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A file's text; a clear error when it is missing or not in `encoding`."""
    data = read_bytes(path)
    try:
        # A byte-order mark (Excel, Notepad) would stick to the first label or column name.
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise TextcnnError(
            f"{path} is not valid {encoding} (byte {error.start}); pass the file's encoding, "
            "e.g. --encoding cp1252"
        ) from None
    except LookupError:
        raise TextcnnError(f"Unknown encoding: {encoding}") from None


def lines_of(text: str) -> list[str]:
    """Lines split on LF only: ``str.splitlines`` would also split on U+0085 and friends."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def detect_format(path: Path, first_line: str = "") -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    return "fasttext" if first_line.startswith(FASTTEXT_PREFIX) else "label-first"


def parse_label_first(lines: list[str], source: str) -> LabeledTexts:
    """``<label> <text>`` per line (the Kim / HarvardNLP benchmark files)."""
    data = LabeledTexts([], [])
    for line in lines:
        parts = line.strip().split(None, 1)  # a space or a tab after the label
        if not parts:  # blank lines (a trailing one, say) carry no example
            continue
        data.labels.append(parts[0])
        data.texts.append(parts[1] if len(parts) > 1 else "")
    return data


def parse_fasttext(lines: list[str], source: str) -> LabeledTexts:
    """fastText's format: one or more ``__label__X`` tokens, then the text. Single-label only."""
    data = LabeledTexts([], [])
    for number, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens:
            continue
        labels = [t[len(FASTTEXT_PREFIX):] for t in tokens if t.startswith(FASTTEXT_PREFIX)]
        if not labels:
            raise TextcnnError(f"{source}, line {number}: no {FASTTEXT_PREFIX} label")
        if len(labels) > 1:
            raise TextcnnError(
                f"{source}, line {number}: {len(labels)} labels; only single-label data is supported"
            )
        data.labels.append(labels[0])
        data.texts.append(" ".join(t for t in tokens if not t.startswith(FASTTEXT_PREFIX)))
    return data


def parse_table(text: str, fmt: str, source: str, text_column: str, label_column: str | None):
    import pandas as pd

    try:
        if fmt == "jsonl":
            frame = pd.read_json(io.StringIO(text), lines=True, dtype=False)
        else:
            frame = pd.read_csv(io.StringIO(text), sep="," if fmt == "csv" else "\t", dtype=str,
                                keep_default_na=False)
    except (ValueError, json.JSONDecodeError) as error:
        raise TextcnnError(f"{source} is not valid {fmt}: {str(error).splitlines()[0]}") from None
    wanted = [text_column] + ([label_column] if label_column else [])
    for column in wanted:
        if column not in frame.columns:
            raise TextcnnError(
                f"{source} has no column {column!r}; its columns are: "
                + ", ".join(map(str, frame.columns))
            )
    texts = frame[text_column]
    if texts.isna().any():
        row = int(texts.isna().to_numpy().argmax())
        raise TextcnnError(f"{source}, row {row + 1}: column {text_column!r} is empty")
    data = LabeledTexts([str(t) for t in texts], [])
    if label_column:
        labels = frame[label_column]
        missing = labels.isna() | (labels.astype(str).str.strip() == "")
        if missing.any():
            row = int(missing.to_numpy().argmax())
            raise TextcnnError(f"{source}, row {row + 1}: column {label_column!r} is empty")
        data.labels = [str(label) for label in labels]
    return data


def read_labeled_file(
    path,
    format: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    encoding: str = "utf-8",
) -> LabeledTexts:
    """Reads a labelled dataset file.

    Args:
        path: the file.
        format: one of ``csv``, ``tsv``, ``jsonl``, ``fasttext``, ``label-first``; by default
            from the suffix (``.csv``, ``.tsv``, ``.jsonl``), else ``fasttext`` when the first
            line starts with ``__label__``, else ``label-first``.
        text_column, label_column: column names for CSV, TSV and JSON Lines.
        encoding: the file's text encoding.

    Example:
    >>> read_labeled_file("reviews.csv", text_column="review", label_column="stars")
    """
    text = read_text(Path(path), encoding)
    lines = lines_of(text)
    fmt = format or detect_format(path, lines[0] if lines else "")
    if fmt not in FORMATS:
        raise TextcnnError(f"Unknown data format {fmt!r}; expected one of {', '.join(FORMATS)}")
    source = str(path)
    if fmt in ("csv", "tsv", "jsonl"):
        data = parse_table(text, fmt, source, text_column, label_column) if text.strip() \
            else LabeledTexts([], [])
    elif fmt == "fasttext":
        data = parse_fasttext(lines, source)
    else:
        data = parse_label_first(lines, source)
    if not len(data):
        raise TextcnnError(f"{source} holds no examples")
    return data
