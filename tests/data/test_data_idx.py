"""IDX files (MNIST's format): round trips, and clear errors for files that are not IDX."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from textcnn.data.image_datasets import read_idx_images, read_idx_labels, read_idx_pair
from textcnn.data.idx import read_idx, write_idx
from textcnn.errors import TextcnnError


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_round_trip_gzipped_or_not(tmp_path, name):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    path = write_idx(tmp_path / name, pixels)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    assert raw[:16] == bytes.fromhex("00000803 00000005 0000001c 0000001c".replace(" ", ""))
    np.testing.assert_array_equal(read_idx(path), pixels)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
def test_other_types_round_trip_in_native_order(tmp_path, dtype):
    values = np.arange(24).reshape(2, 3, 4).astype(dtype)
    back = read_idx(write_idx(tmp_path / "x.idx", values))
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, values)


def test_images_and_labels_become_an_image_set(tmp_path):
    pixels = np.array([[[0, 255], [51, 102]]] * 3, dtype=np.uint8)
    write_idx(tmp_path / "img.gz", pixels)
    write_idx(tmp_path / "lbl.gz", np.array([7, 0, 9], dtype=np.uint8))
    data = read_idx_pair(tmp_path / "img.gz", tmp_path / "lbl.gz", num_classes=10)
    assert data.images.shape == (3, 2, 2, 1) and data.images.dtype == np.float32
    np.testing.assert_allclose(data.images[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)
    assert data.labels.tolist() == [7, 0, 9] and data.labels.dtype == np.int64


def test_bad_magic_number(tmp_path):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(bytes.fromhex("12345678") + bytes(12))
    with pytest.raises(TextcnnError) as error:
        read_idx_images(path)
    assert str(error.value) == f"{path}: not an IDX file (magic number 0x12345678)"


def test_label_file_given_as_images(tmp_path):
    path = write_idx(tmp_path / "labels.gz", np.zeros(4, dtype=np.uint8))
    with pytest.raises(TextcnnError) as error:
        read_idx_images(path)
    assert str(error.value) == f"{path}: expected an IDX image file (magic 0x00000803), got magic 0x00000801"


def test_truncated_file(tmp_path):
    path = tmp_path / "short"
    data = write_idx(tmp_path / "full", np.zeros((2, 3, 3), dtype=np.uint8)).read_bytes()
    path.write_bytes(data[:-1])
    with pytest.raises(TextcnnError) as error:
        read_idx(path)
    assert str(error.value) == f"{path}: IDX header says 2x3x3 values (34 bytes), but the file holds 33 bytes"


def test_counts_must_agree(tmp_path):
    write_idx(tmp_path / "img", np.zeros((3, 2, 2), dtype=np.uint8))
    write_idx(tmp_path / "lbl", np.zeros(2, dtype=np.uint8))
    with pytest.raises(TextcnnError) as error:
        read_idx_pair(tmp_path / "img", tmp_path / "lbl")
    assert str(error.value) == f"{tmp_path / 'img'} holds 3 images but {tmp_path / 'lbl'} holds 2 labels"


def test_label_out_of_range(tmp_path):
    path = write_idx(tmp_path / "lbl", np.array([3, 10], dtype=np.uint8))
    with pytest.raises(TextcnnError) as error:
        read_idx_labels(path, num_classes=10)
    assert str(error.value) == f"{path}: label 10 is out of range for 10 classes"


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(8))[:-6])
    with pytest.raises(TextcnnError, match=r"x\.gz: corrupt gzip data"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(TextcnnError) as error:
        read_idx(tmp_path / "nope")
    assert str(error.value) == f"No such file: {tmp_path / 'nope'}"
