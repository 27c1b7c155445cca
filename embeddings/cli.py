"""The `embeddings` sub-command: `inspect`, `build` and `train`.

`register(subparsers)` adds it to an argparse CLI. Each leaf parser sets `func`, a callable taking
the parsed arguments and returning the exit code; bad input raises `TextcnnError`, which the main
CLI prints as one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from textcnn_embeddings.options import ALGORITHMS, OOV_INITS
from textcnn_embeddings.sources import FORMATS, NAMED_SOURCES, describe_error
from textcnn.errors import TextcnnError


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Adds the `embeddings` command, with `inspect`, `build` and `train`, to a CLI.

    Args:
        subparsers: what `ArgumentParser.add_subparsers()` returned for the main CLI.

    Returns:
        The `embeddings` parser.

    Example:

    >>> parser = argparse.ArgumentParser(prog="textcnn")
    >>> _ = register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["embeddings", "inspect", "glove-6b-50d"])
    >>> exit_code = args.func(args)                              # doctest: +SKIP
    """
    sources = f"a vector file, archive.zip:member.txt, or one of: {', '.join(NAMED_SOURCES)}"
    formats = f"skip format detection: one of {', '.join(FORMATS)}"
    parser = subparsers.add_parser(
        "embeddings",
        help="inspect, trim and train pretrained word vectors",
        description=(
            "Inspect pretrained word vectors, build a model's embedding matrix, or train vectors."
        ),
    )
    commands = parser.add_subparsers(dest="embeddings_command", metavar="COMMAND", required=True)

    inspect = commands.add_parser("inspect", help="show a source's format, size and neighbours")
    inspect.add_argument("source", help=sources)
    inspect.add_argument("--format", choices=FORMATS, metavar="FORMAT", help=formats)
    inspect.add_argument(
        "--neighbours", nargs="+", default=[], metavar="WORD", help="words to show neighbours of"
    )
    inspect.add_argument("--topn", type=int, default=10, help="neighbours per word (default: 10)")
    inspect.set_defaults(func=_inspect)

    build = commands.add_parser("build", help="build the embedding matrix of a vocabulary")
    build.add_argument("--source", required=True, help=sources)
    vocabulary = build.add_mutually_exclusive_group(required=True)
    vocabulary.add_argument(
        "--vocabulary", type=Path, metavar="FILE",
        help="file with one token per line in index order; line 1 padding, line 2 unknown",
    )
    vocabulary.add_argument(
        "--dataset", metavar="NAME|FILE",
        help="build the vocabulary of this dataset's training split as `textcnn train` does "
        "(a benchmark name or a training file); it is written beside the matrix",
    )
    build.add_argument(
        "--min-count", type=int, default=1,
        help="with --dataset: minimum count of a token to enter the vocabulary (default: 1)",
    )
    build.add_argument(
        "--counts", type=Path, metavar="FILE", help="file of 'token<TAB>count' lines over the training split"
    )
    build.add_argument(
        "--output", required=True, type=Path, metavar="FILE", help="the .npy matrix to write"
    )
    build.add_argument("--format", choices=FORMATS, metavar="FORMAT", help=formats)
    build.add_argument(
        "--oov-init", choices=OOV_INITS, default="uniform",
        help="rows of missing words (default: uniform)",
    )
    build.add_argument(
        "--oov-scale", type=float, help="a of uniform [-a, a] (default: match the found vectors)"
    )
    build.add_argument("--seed", type=int, default=0, help="seed of the random rows (default: 0)")
    build.add_argument(
        "--no-lowercase-fallback", dest="lowercase_fallback", action="store_false",
        help="do not look missing tokens up lower-cased",
    )
    build.add_argument(
        "--cache-dir", type=Path, help="cache folder (default: $TEXTCNN_CACHE_DIR/embeddings)"
    )
    build.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    build.set_defaults(func=_build)

    training = commands.add_parser("train", help="train word2vec or fastText vectors on a corpus")
    training.add_argument(
        "--corpus", required=True, nargs="+", type=Path, metavar="FILE",
        help="text files, one sentence per line",
    )
    training.add_argument(
        "--algorithm", choices=ALGORITHMS, default="word2vec", help="(default: word2vec)"
    )
    training.add_argument("--dim", type=int, default=100, help="vector dimension (default: 100)")
    architecture = training.add_mutually_exclusive_group()
    architecture.add_argument(
        "--sg", dest="sg", action="store_const", const=1, default=1, help="skip-gram (default)"
    )
    architecture.add_argument(
        "--cbow", dest="sg", action="store_const", const=0, help="continuous bag of words"
    )
    training.add_argument("--window", type=int, default=5, help="context window (default: 5)")
    training.add_argument(
        "--min-count", type=int, default=5, help="ignore rarer words (default: 5)"
    )
    training.add_argument("--epochs", type=int, default=5, help="(default: 5)")
    training.add_argument("--workers", type=int, default=2, help="threads (default: 2)")
    training.add_argument("--seed", type=int, default=0, help="(default: 0)")
    training.add_argument("--lowercase", action="store_true", help="lower-case the corpus")
    training.add_argument(
        "--output", required=True, type=Path, metavar="FILE",
        help=".bin: word2vec binary (a full fastText model for fasttext); else word2vec text",
    )
    training.set_defaults(func=_train)
    return parser


def read_vocabulary_file(path: str | Path) -> list[str]:
    """Reads one token per line (index order; the first two are padding and unknown).

    Example:

    >>> read_vocabulary_file("vocabulary.txt")[:3]        # doctest: +SKIP
    ['<pad>', '<unk>', 'the']
    """
    text = _read_text(path)
    tokens = text.split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    return [token.rstrip("\r") for token in tokens]


def read_counts_file(path: str | Path) -> dict[str, int]:
    """Reads `token<TAB>count` lines (the count is the last whitespace-separated field).

    Example:

    >>> read_counts_file("counts.tsv")["the"]             # doctest: +SKIP
    10431
    """
    counts = {}
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        token, _, count = line.rpartition("\t") if "\t" in line else line.rpartition(" ")
        if not token or not count.strip().isdigit():
            raise TextcnnError(
                f"{path}: line {number} must be 'token<TAB>count'. Received: {line[:60]!r}"
            )
        counts[token] = int(count)
    return counts


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TextcnnError(f"File not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TextcnnError(f"Could not read {path}: {describe_error(error)}") from error


def _inspect(args: argparse.Namespace) -> int:
    from textcnn_embeddings.vectors import load  # gensim loads only when a command needs it

    vectors = load(args.source, format=args.format)
    print(f"source: {vectors.name}")
    print(f"path: {vectors.source.location}")
    print(f"format: {vectors.format}")
    print(f"dimension: {vectors.dim}")
    print(f"vocabulary size: {vectors.vocab_size:,}")
    for word in args.neighbours:
        print(f"nearest neighbours of {word!r}:")
        for neighbour, similarity in vectors.most_similar(word, topn=args.topn):
            print(f"  {neighbour}\t{similarity:.4f}")
    return 0


def dataset_vocabulary(dataset: str, min_count: int = 1) -> tuple[list[str], dict[str, int]]:
    """The vocabulary and token counts `textcnn train` builds from a dataset's training split
    (same tokenizer settings, the dataset's own lower-casing convention).

    Example:

    >>> tokens, counts = dataset_vocabulary("trec")                # doctest: +SKIP
    >>> tokens[:2]
    ['<pad>', '<unk>']
    """
    from textcnn.config import TrainConfig
    from textcnn.data import Vocabulary
    from textcnn.data.configured import load_config_dataset, make_tokenizer

    config = TrainConfig(dataset=dataset, min_count=min_count)
    loaded = load_config_dataset(config)
    tokenizer = make_tokenizer(config, loaded)
    vocabulary = Vocabulary.build([tokenizer.tokenize(t) for t in loaded.train.texts],
                                  min_count=min_count)
    return vocabulary.tokens, vocabulary.counts


def _build(args: argparse.Namespace) -> int:
    from textcnn_embeddings.matrix import coverage_path, write_matrix

    if args.dataset:
        if args.counts:
            raise TextcnnError("--counts comes from the dataset with --dataset; give one of them")
        tokens, counts = dataset_vocabulary(args.dataset, args.min_count)
        vocabulary_file = args.output.with_name(f"{args.output.stem}.vocabulary.txt")
    else:
        tokens = read_vocabulary_file(args.vocabulary)
        counts = read_counts_file(args.counts) if args.counts else None
    coverage = write_matrix(
        args.source,
        tokens,
        args.output,
        token_counts=counts,
        oov_init=args.oov_init,
        oov_scale=args.oov_scale,
        seed=args.seed,
        lowercase_fallback=args.lowercase_fallback,
        cache_dir=False if args.no_cache else args.cache_dir,
        format=args.format,
    )
    written = [str(args.output), str(coverage_path(args.output))]
    if args.dataset:
        vocabulary_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
        written.append(str(vocabulary_file))
    print(coverage.report())
    print(f"Wrote {', '.join(written)}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from textcnn_embeddings.training import train

    output = train(
        args.corpus,
        algorithm=args.algorithm,
        dim=args.dim,
        sg=args.sg,
        window=args.window,
        min_count=args.min_count,
        epochs=args.epochs,
        workers=args.workers,
        seed=args.seed,
        lowercase=args.lowercase,
        output=args.output,
    )
    print(f"Wrote {output}")
    return 0

