"""A folder of images, one sub-folder per class; reading single image files; augmentation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from textcnn.data.augmentation import build_augmentation
from textcnn.data.image_datasets import load_image_dataset
from textcnn.data.images import read_image
from textcnn.errors import TextcnnError


def save(path: Path, array: np.ndarray, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "shapes"
    save(root / "circle" / "a.png", np.full((8, 8), 255, np.uint8))
    save(root / "circle" / "b.PNG", np.zeros((16, 16), np.uint8))
    save(root / "square" / "c.jpg", np.full((8, 8), 128, np.uint8), quality=100)
    (root / "square" / "notes.txt").write_text("not an image")
    return root


def test_folder_classes_sizes_and_grayscale(folder):
    data = load_image_dataset(str(folder))
    assert data.class_names == ["circle", "square"] and data.name == "shapes"
    assert data.train.images.shape == (3, 8, 8, 1)  # the most common size; b.PNG is resized
    assert data.train.labels.tolist() == [0, 0, 1]
    np.testing.assert_allclose(data.train.images[:, 0, 0, 0], [1.0, 0.0, 128 / 255], atol=2 / 255)
    assert data.dev is None and data.test is None


def test_folder_resized_and_converted_to_rgb(folder):
    data = load_image_dataset(str(folder), image_size=(4, 6), color_mode="rgb")
    assert data.train.images.shape == (3, 4, 6, 3)
    np.testing.assert_allclose(data.train.images[0], 1.0)


def test_colour_images_make_an_rgb_dataset(tmp_path):
    save(tmp_path / "d" / "red" / "r.png", np.tile(np.array([255, 0, 0], np.uint8), (4, 4, 1)))
    save(tmp_path / "d" / "grey" / "g.png", np.full((4, 4), 10, np.uint8))
    data = load_image_dataset(str(tmp_path / "d"))
    assert data.input_shape == (4, 4, 3)
    np.testing.assert_allclose(data.train.images[1, 0, 0], [1, 0, 0])  # classes sorted: grey, red


def test_train_and_test_sub_folders(tmp_path, folder):
    root = tmp_path / "split"
    root.mkdir()
    folder.rename(root / "train")
    save(root / "test" / "square" / "t.png", np.full((20, 20), 128, np.uint8))
    data = load_image_dataset(str(root))
    assert data.class_names == ["circle", "square"]
    assert data.test.images.shape == (1, 8, 8, 1) and data.test.labels.tolist() == [1]


def test_unreadable_image_file(folder):
    (folder / "square" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(TextcnnError) as error:
        load_image_dataset(str(folder))
    assert str(error.value) == f"{folder / 'square' / 'broken.png'}: not a readable image (PNG or JPEG expected)"


def test_empty_class(folder):
    (folder / "triangle").mkdir()
    with pytest.raises(TextcnnError) as error:
        load_image_dataset(str(folder))
    assert str(error.value) == f"{folder / 'triangle'}: class 'triangle' has no PNG or JPEG images"


def test_a_single_class_is_not_a_dataset(tmp_path):
    save(tmp_path / "one" / "only" / "a.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(TextcnnError) as error:
        load_image_dataset(str(tmp_path / "one"))
    assert str(error.value) == (f"{tmp_path / 'one'}: an image folder needs one sub-folder per class, "
                                "at least two; found 1")


def test_transparent_png_is_composited_on_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = [0, 0, 0, 255]
    path = save(tmp_path / "t.png", rgba)
    image = read_image(path, size=(2, 2), color_mode="grayscale")
    np.testing.assert_allclose(image[..., 0], [[0, 1], [1, 1]])


def test_read_image_resizes_any_size(tmp_path):
    path = save(tmp_path / "big.jpg", np.full((100, 60, 3), 200, np.uint8))
    image = read_image(path, size=(28, 28))
    assert image.shape == (28, 28, 1) and image.dtype == np.float32
    assert abs(float(image.mean()) - 200 / 255) < 0.02


def test_augmentation_is_seeded_and_training_only():
    images = np.zeros((4, 12, 12, 1), np.float32)
    images[:, 4:8, 4:8] = 1.0
    first = build_augmentation("shift-rotate", seed=3)
    again = build_augmentation("shift-rotate", seed=3)
    a, b = np.asarray(first(images, training=True)), np.asarray(again(images, training=True))
    assert a.shape == images.shape and not np.allclose(a, images)
    np.testing.assert_allclose(a, b)
    np.testing.assert_array_equal(np.asarray(first(images, training=False)), images)
    assert build_augmentation("none") is None
    with pytest.raises(TextcnnError) as error:
        build_augmentation("flip")
    assert str(error.value) == "`augment` must be one of none, shift, rotate, shift-rotate. Received: augment='flip'"
