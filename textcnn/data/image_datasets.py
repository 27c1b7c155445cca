"""Named image benchmarks (MNIST, Fashion-MNIST, CIFAR-10) and folders, resolved to splits.

A benchmark's files are looked for under ``$TEXTCNN_DATA_DIR/<folder>/``, then in the download
cache, and downloaded from the public source with a SHA-256 check when in neither, exactly as the
text benchmarks are (:func:`textcnn.data.datasets.locate`; ``$TEXTCNN_DATASETS_URL`` names a
mirror laid out ``<mirror>/<folder>/<file>``).

Splits:
    ``classic``: the benchmark's fixed validation split. MNIST and Fashion-MNIST: the first
    50,000 training images train, the last 10,000 validate (the deeplearning.net tutorial's
    ``mnist.pkl.gz``), and the 10,000 test images test. CIFAR-10: ``data_batch_1``-``4`` train
    (40,000), ``data_batch_5`` validates (10,000), ``test_batch`` tests.
    ``full``: all training images train (60,000 / 50,000); training holds out a stratified
    ``dev_fraction`` for validation, as it does for text data without a dev split.
"""

from __future__ import annotations

import pickle
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textcnn.data.datasets import DataFile, cache_dir, data_dir, locate
from textcnn.data.idx import idx_magic, read_idx
from textcnn.data.images import ImageDataset, ImageSet, load_image_folder, to_unit_float
from textcnn.errors import TextcnnError

SPLITS = ("classic", "full")
CLASSIC_VALIDATION = 10_000

_MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_FASHION = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_CIFAR10 = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
IDX_IMAGES, IDX_LABELS = 0x00000803, 0x00000801


@dataclass(frozen=True)
class ImageBenchmark:
    """A named image benchmark: its folder, files (split part -> file), format and classes."""

    name: str
    folder: str
    files: dict[str, DataFile]
    format: str  # "idx" or "cifar-pickle"
    class_names: tuple[str, ...]
    description: str = ""


def _idx_files(base: str, sha256: dict[str, str]) -> dict[str, DataFile]:
    return {key: DataFile(f"{stem}.gz", base + f"{stem}.gz", sha256[key]) for key, stem in (
        ("train-images", "train-images-idx3-ubyte"), ("train-labels", "train-labels-idx1-ubyte"),
        ("test-images", "t10k-images-idx3-ubyte"), ("test-labels", "t10k-labels-idx1-ubyte"))}


IMAGE_BENCHMARKS: dict[str, ImageBenchmark] = {
    b.name: b
    for b in [
        ImageBenchmark(
            "mnist", "mnist",
            _idx_files(_MNIST, {
                "train-images": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "train-labels": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "test-images": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "test-labels": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            }),
            "idx", tuple(str(d) for d in range(10)),
            "Handwritten digits (LeCun et al. 1998), 28x28 grayscale",
        ),
        ImageBenchmark(
            "fashion-mnist", "fashion-mnist",
            _idx_files(_FASHION, {
                "train-images": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "train-labels": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "test-images": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "test-labels": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            }),
            "idx", ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                    "Sneaker", "Bag", "Ankle boot"),
            "Zalando article images (Xiao et al. 2017), 28x28 grayscale, MNIST's format",
        ),
        ImageBenchmark(
            "cifar10", "cifar10",
            {"archive": DataFile("cifar-10-python.tar.gz", _CIFAR10,
                                 "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")},
            "cifar-pickle", ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                             "horse", "ship", "truck"),
            "CIFAR-10 (Krizhevsky 2009), 32x32 RGB, the Python pickle version",
        ),
    ]
}


def _roots(benchmark: ImageBenchmark) -> list[Path]:
    return [d / benchmark.folder for d in (data_dir(),) if d] + [cache_dir() / "datasets" / benchmark.folder]


# --- MNIST and Fashion-MNIST ---------------------------------------------------------------

def _locate_idx(benchmark: ImageBenchmark, key: str, download: bool) -> Path:
    """The gzipped file (checksum-verified), or else an uncompressed copy beside where it would be."""
    file = benchmark.files[key]
    for root in _roots(benchmark):
        if (root / file.path).is_file():
            break
        plain = root / file.path.removesuffix(".gz")
        if plain.is_file():
            return plain
    return locate(benchmark, file, download)


def read_idx_images(path: Path) -> np.ndarray:
    """An IDX image file (magic 0x00000803) as uint8 ``(N, rows, cols)``."""
    array = read_idx(path)
    if idx_magic(array) != IDX_IMAGES:
        raise TextcnnError(f"{path}: expected an IDX image file (magic 0x{IDX_IMAGES:08x}), got magic 0x{idx_magic(array):08x}")
    return array


def read_idx_labels(path: Path, num_classes: int | None = None) -> np.ndarray:
    """An IDX label file (magic 0x00000801) as int64 ``(N,)``."""
    array = read_idx(path)
    if idx_magic(array) != IDX_LABELS:
        raise TextcnnError(f"{path}: expected an IDX label file (magic 0x{IDX_LABELS:08x}), got magic 0x{idx_magic(array):08x}")
    if num_classes is not None and len(array) and array.max() >= num_classes:
        raise TextcnnError(f"{path}: label {int(array.max())} is out of range for {num_classes} classes")
    return array.astype(np.int64)


def read_idx_pair(images_path: Path, labels_path: Path, num_classes: int | None = None) -> ImageSet:
    """An IDX image file and its label file as an :class:`ImageSet` (pixels scaled to [0, 1])."""
    images = read_idx_images(images_path)
    labels = read_idx_labels(labels_path, num_classes)
    if len(images) != len(labels):
        raise TextcnnError(f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels")
    return ImageSet(to_unit_float(images)[..., None], labels)


def _load_idx_benchmark(benchmark: ImageBenchmark, download: bool) -> tuple[ImageSet, ImageSet, int]:
    """Train, test, and where the classic validation split starts (the last 10,000)."""
    parts = {}
    for split in ("train", "test"):
        images = _locate_idx(benchmark, f"{split}-images", download)
        labels = _locate_idx(benchmark, f"{split}-labels", download)
        parts[split] = read_idx_pair(images, labels, len(benchmark.class_names))
    return parts["train"], parts["test"], len(parts["train"]) - CLASSIC_VALIDATION


# --- CIFAR-10 -------------------------------------------------------------------------------

CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_FILES = CIFAR_TRAIN + ("test_batch", "batches.meta")

# What CIFAR's pickles need: NumPy arrays (their reconstruction functions), and bytes.
_PICKLE_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("_codecs", "encode"),
}


class _CifarUnpickler(pickle.Unpickler):
    """Loads only plain containers, bytes and NumPy arrays: a pickle naming any other callable
    is refused, so a tampered file cannot run code through this loader."""

    def find_class(self, module, name):
        if (module, name) in _PICKLE_ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_cifar_pickle(path: Path) -> dict:
    """One CIFAR batch or meta file: a pickled dict with bytes keys (Python 2's cPickle).

    CIFAR-10 is distributed as pickles, so that is the format read here; the unpickler accepts
    only dicts, lists, bytes and NumPy arrays (see :class:`_CifarUnpickler`).
    """
    try:
        with open(path, "rb") as handle:
            data = _CifarUnpickler(handle, encoding="bytes").load()
    except FileNotFoundError:
        raise TextcnnError(f"No such file: {path}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError) as error:
        raise TextcnnError(f"{path}: not a CIFAR pickle ({error})") from None
    if not isinstance(data, dict):
        raise TextcnnError(f"{path}: not a CIFAR pickle (a {type(data).__name__}, not a dict)")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in data.items()}


def read_cifar_batch(path: Path, num_classes: int = 10) -> ImageSet:
    """A CIFAR batch: ``data`` (N x 3072 uint8, channel-major 32x32) and ``labels``."""
    batch = read_cifar_pickle(path)
    if "data" not in batch or not ({"labels", "fine_labels"} & set(batch)):
        raise TextcnnError(f"{path}: a CIFAR batch needs 'data' and 'labels'; found {', '.join(map(str, batch))}")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch.get("labels", batch.get("fine_labels")), dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise TextcnnError(f"{path}: CIFAR 'data' must be uint8 of shape (N, 3072). Received: {data.dtype} {data.shape}")
    if len(data) != len(labels):
        raise TextcnnError(f"{path}: {len(data)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise TextcnnError(f"{path}: labels must be in 0..{num_classes - 1}")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return ImageSet(to_unit_float(images), labels)


def _extract_cifar(archive: Path, target: Path) -> None:
    """Extracts only CIFAR's known files from the archive (no other paths are written)."""
    wanted = {f"{CIFAR_FOLDER}/{name}" for name in CIFAR_FILES}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name in wanted and m.isfile()]
            missing = wanted - {m.name for m in members}
            if missing:
                raise TextcnnError(f"{archive}: missing {', '.join(sorted(missing))}")
            tar.extractall(target, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise TextcnnError(f"{archive}: cannot extract ({error})") from None


def _cifar_folder(benchmark: ImageBenchmark, download: bool) -> Path:
    """The folder holding CIFAR's extracted batches, extracting the archive into the cache."""
    roots = _roots(benchmark)
    for root in roots:
        if all((root / CIFAR_FOLDER / name).is_file() for name in CIFAR_FILES):
            return root / CIFAR_FOLDER
    archive = locate(benchmark, benchmark.files["archive"], download)
    _extract_cifar(archive, roots[-1])
    return roots[-1] / CIFAR_FOLDER


def _load_cifar_benchmark(benchmark: ImageBenchmark, download: bool) -> tuple[ImageSet, ImageSet, int]:
    """Train, test, and where the classic validation split starts (data_batch_5)."""
    folder = _cifar_folder(benchmark, download)
    batches = [read_cifar_batch(folder / name) for name in CIFAR_TRAIN]
    train = ImageSet(np.concatenate([b.images for b in batches]), np.concatenate([b.labels for b in batches]))
    return train, read_cifar_batch(folder / "test_batch"), len(train) - len(batches[-1])


def cifar_class_names(folder: Path) -> list[str]:
    meta = read_cifar_pickle(Path(folder) / "batches.meta")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get("label_names", [])]


# --- resolving a name or folder ---------------------------------------------------------------

def load_image_benchmark(name: str, split: str = "classic", download: bool = True) -> ImageDataset:
    """MNIST, Fashion-MNIST or CIFAR-10 with the `split` protocol (see the module docstring)."""
    if split not in SPLITS:
        raise TextcnnError(f"`split` must be one of {', '.join(SPLITS)}. Received: split={split!r}")
    benchmark = IMAGE_BENCHMARKS[name]
    loader = _load_idx_benchmark if benchmark.format == "idx" else _load_cifar_benchmark
    train, test, cut = loader(benchmark, download)
    dev = None
    if split == "classic":
        if cut <= 0:
            raise TextcnnError(f"{name}: the classic split needs more than {len(train) - cut} training images; found {len(train)}")
        train, dev = train.subset(slice(0, cut)), train.subset(slice(cut, None))
    return ImageDataset(name, train, dev, test, list(benchmark.class_names))


def load_image_dataset(
    spec: str,
    *,
    split: str = "classic",
    image_size: tuple[int, int] | None = None,
    color_mode: str | None = None,
    download: bool = True,
) -> ImageDataset:
    """Resolves ``mnist``, ``fashion-mnist``, ``cifar10`` or a folder of images to its splits.

    Example:
    >>> data = load_image_dataset("mnist")              # the classic 50,000 / 10,000 / 10,000
    >>> len(data.train), len(data.dev), len(data.test), data.input_shape
    (50000, 10000, 10000, (28, 28, 1))
    >>> load_image_dataset("photos/", image_size=(64, 64), color_mode="rgb").class_names
    ['cat', 'dog']
    """
    if spec in IMAGE_BENCHMARKS and not Path(spec).exists():
        return load_image_benchmark(spec, split, download)
    path = Path(spec)
    if path.is_dir():
        return load_image_folder(path, image_size=image_size, color_mode=color_mode)
    if path.exists():
        raise TextcnnError(f"{spec}: an image dataset is a folder of class sub-folders, not a file")
    raise TextcnnError(f"Unknown image dataset {spec!r}: not a folder, and not one of {', '.join(IMAGE_BENCHMARKS)}")
