"""MNIST (the shared copy), Fashion-MNIST and CIFAR-10 from files the tests write, downloads
from a file:// mirror with their checksums."""

from __future__ import annotations

import dataclasses
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from textcnn.data import image_datasets
from textcnn.data.download import sha256_of
from textcnn.data.idx import write_idx
from textcnn.data.image_datasets import IMAGE_BENCHMARKS, load_image_dataset, read_cifar_batch
from textcnn.errors import TextcnnError

IDX_NAMES = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
             "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}


def write_idx_set(folder: Path, train: int, test: int, gzipped: bool = True, seed: int = 0) -> dict:
    """Fashion-MNIST-style files: 28x28 uint8 images and labels 0-9."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", train), ("test", test)):
        arrays[f"{split}-images"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[f"{split}-labels"] = (np.arange(n) % 10).astype(np.uint8)
    for key, array in arrays.items():
        write_idx(folder / (IDX_NAMES[key] + (".gz" if gzipped else "")), array)
    return arrays


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("TEXTCNN_DATA_DIR", str(root))
    return root


def pin_checksums(monkeypatch, name: str, folder: Path):
    """Pins the checksums of the files the test wrote, as if they were the published ones."""
    benchmark = IMAGE_BENCHMARKS[name]
    files = {k: dataclasses.replace(f, sha256=sha256_of(folder / f.path)) for k, f in benchmark.files.items()}
    monkeypatch.setitem(IMAGE_BENCHMARKS, name, dataclasses.replace(benchmark, files=files))


def test_real_mnist_counts_and_classic_split(shared_data, monkeypatch):
    monkeypatch.setenv("TEXTCNN_DATA_DIR", str(shared_data("mnist").parent))
    data = load_image_dataset("mnist")
    assert (len(data.train), len(data.dev), len(data.test)) == (50_000, 10_000, 10_000)
    assert data.input_shape == (28, 28, 1) and data.class_names == [str(d) for d in range(10)]
    assert data.train.labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert data.test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(data.train.labels).tolist() == [4932, 5678, 4968, 5101, 4859, 4506, 4951, 5175, 4842, 4988]
    assert np.bincount(data.dev.labels).tolist() == [991, 1064, 990, 1030, 983, 915, 967, 1090, 1009, 961]
    assert np.bincount(data.test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert data.train.images.dtype == np.float32 and data.train.images.max() == 1.0 and data.train.images.min() == 0.0
    assert abs(float(data.train.images.mean()) - 0.1307) < 0.002
    full = load_image_dataset("mnist", split="full")
    assert (len(full.train), full.dev, len(full.test)) == (60_000, None, 10_000)
    np.testing.assert_array_equal(full.train.images[50_000:], data.dev.images)


def test_fashion_mnist_from_the_data_dir_gzipped_or_not(data_root, private_cache):
    arrays = write_idx_set(data_root / "fashion-mnist", train=12, test=4, gzipped=False)
    data = load_image_dataset("fashion-mnist", split="full")
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"
    np.testing.assert_array_equal(np.round(data.train.images[..., 0] * 255).astype(np.uint8), arrays["train-images"])
    assert data.test.labels.tolist() == [0, 1, 2, 3]
    assert not private_cache.exists()  # nothing was downloaded


def test_classic_split_needs_more_than_ten_thousand(data_root):
    write_idx_set(data_root / "fashion-mnist", train=12, test=4, gzipped=False)
    with pytest.raises(TextcnnError) as error:
        load_image_dataset("fashion-mnist")
    assert str(error.value) == "fashion-mnist: the classic split needs more than 10000 training images; found 12"


def test_download_from_a_file_mirror_with_checksums(tmp_path, data_root, private_cache, monkeypatch, capsys):
    mirror = tmp_path / "mirror"
    arrays = write_idx_set(mirror / "fashion-mnist", train=20, test=10)
    pin_checksums(monkeypatch, "fashion-mnist", mirror / "fashion-mnist")
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", mirror.as_uri())
    data = load_image_dataset("fashion-mnist", split="full")
    assert data.train.labels.tolist() == arrays["train-labels"].tolist()
    cached = private_cache / "datasets" / "fashion-mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(n + ".gz" for n in IDX_NAMES.values())
    assert f"textcnn: downloading {mirror.as_uri()}/fashion-mnist/train-images-idx3-ubyte.gz" in capsys.readouterr().err
    # From the cache the second time.
    load_image_dataset("fashion-mnist", split="full")
    assert "downloading" not in capsys.readouterr().err


def test_download_with_a_wrong_checksum_is_refused(tmp_path, data_root, private_cache, monkeypatch):
    mirror = tmp_path / "mirror"
    write_idx_set(mirror / "fashion-mnist", train=20, test=10)  # not the published files
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", mirror.as_uri())
    with pytest.raises(TextcnnError) as error:
        load_image_dataset("fashion-mnist")
    url = f"{mirror.as_uri()}/fashion-mnist/train-images-idx3-ubyte.gz"
    expected = IMAGE_BENCHMARKS["fashion-mnist"].files["train-images"].sha256
    actual = sha256_of(mirror / "fashion-mnist" / "train-images-idx3-ubyte.gz")
    assert str(error.value) == f"Checksum mismatch for {url}: expected sha256 {expected}, got {actual}"
    assert not (private_cache / "datasets" / "fashion-mnist").exists() or \
        not any((private_cache / "datasets" / "fashion-mnist").iterdir())


def test_unknown_dataset(data_root):
    with pytest.raises(TextcnnError) as error:
        load_image_dataset("svhn")
    assert str(error.value) == "Unknown image dataset 'svhn': not a folder, and not one of mnist, fashion-mnist, cifar10"


# --- CIFAR-10 ---------------------------------------------------------------------------------

def cifar_batch(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"test", b"labels": [int(i % 10) for i in range(n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"filenames": [b"x.png"] * n}


def write_cifar(folder: Path, per_batch: int = 3) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    batches = {}
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        batches[name] = cifar_batch(per_batch, i)
        (folder / name).write_bytes(pickle.dumps(batches[name], protocol=2))
    meta = {b"label_names": [n.encode() for n in IMAGE_BENCHMARKS["cifar10"].class_names], b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return batches


def test_cifar_batch_layout(tmp_path):
    batch = cifar_batch(2, 0)
    (tmp_path / "b").write_bytes(pickle.dumps(batch, protocol=2))
    data = read_cifar_batch(tmp_path / "b")
    assert data.images.shape == (2, 32, 32, 3)
    pixels = batch[b"data"][1].reshape(3, 32, 32)  # channel-major: all red, all green, all blue
    np.testing.assert_allclose(data.images[1, 5, 7], pixels[:, 5, 7] / 255.0, rtol=1e-6)
    assert data.labels.tolist() == [0, 1]


def test_cifar_from_extracted_batches_classic_and_full(data_root):
    batches = write_cifar(data_root / "cifar10" / "cifar-10-batches-py")
    classic = load_image_dataset("cifar10")
    assert (len(classic.train), len(classic.dev), len(classic.test)) == (12, 3, 3)
    assert classic.input_shape == (32, 32, 3) and classic.class_names[0] == "airplane"
    full = load_image_dataset("cifar10", split="full")
    assert len(full.train) == 15 and full.dev is None
    np.testing.assert_allclose(full.train.images[12].transpose(2, 0, 1).reshape(-1),
                               batches["data_batch_5"][b"data"][0] / 255.0, rtol=1e-6)
    assert image_datasets.cifar_class_names(data_root / "cifar10" / "cifar-10-batches-py")[9] == "truck"


def test_cifar_archive_download_and_extraction(tmp_path, data_root, private_cache, monkeypatch):
    source = tmp_path / "src" / "cifar-10-batches-py"
    write_cifar(source)
    mirror = tmp_path / "mirror" / "cifar10"
    mirror.mkdir(parents=True)
    with tarfile.open(mirror / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(source, arcname="cifar-10-batches-py")
        tar.addfile(tarfile.TarInfo("../escape"), io.BytesIO(b""))  # never extracted
    pin_checksums(monkeypatch, "cifar10", mirror)
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", (tmp_path / "mirror").as_uri())
    data = load_image_dataset("cifar10", split="full")
    assert len(data.train) == 15 and len(data.test) == 3
    assert (private_cache / "datasets" / "cifar10" / "cifar-10-batches-py" / "test_batch").is_file()
    assert not (private_cache / "datasets" / "escape").exists()


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (print, ("owned",))

    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": Exploit()}, protocol=4))
    with pytest.raises(TextcnnError) as error:
        read_cifar_batch(tmp_path / "data_batch_1")
    assert str(error.value) == f"{tmp_path / 'data_batch_1'}: not a CIFAR pickle (refusing to load builtins.print)"


def test_cifar_batch_of_the_wrong_shape(tmp_path):
    batch = {b"data": np.zeros((2, 100), dtype=np.uint8), b"labels": [0, 1]}
    (tmp_path / "b").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(TextcnnError) as error:
        read_cifar_batch(tmp_path / "b")
    assert str(error.value) == f"{tmp_path / 'b'}: CIFAR 'data' must be uint8 of shape (N, 3072). Received: uint8 (2, 100)"
