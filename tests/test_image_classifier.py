"""ImageClassifier: every input form gives the same batch; bad inputs are one-line errors."""

import numpy as np
import pytest
from PIL import Image

from textcnn.errors import TextcnnError
from textcnn.inference.image import ImageClassifier
from textcnn.models import build_image_model


@pytest.fixture(scope="module")
def clf():
    model = build_image_model("lenet-tutorial", (28, 28, 1), 3, seed=0)
    return ImageClassifier(model, ["a", "b", "c"], (28, 28, 1))


def test_input_forms_agree(clf, tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    Image.fromarray(pixels[0]).save(tmp_path / "0.png")
    expected = pixels[..., None] / np.float32(255)
    np.testing.assert_allclose(clf.prepare(pixels), expected, rtol=1e-6)
    np.testing.assert_allclose(clf.prepare(pixels.astype(np.int64)), expected, rtol=1e-6)
    np.testing.assert_allclose(clf.prepare(expected), expected)
    np.testing.assert_allclose(clf.prepare(pixels[0]), expected[:1], rtol=1e-6)  # one (H, W) image
    np.testing.assert_allclose(clf.prepare(expected[0]), expected[:1])            # one (H, W, C) image
    np.testing.assert_allclose(clf.prepare(tmp_path / "0.png"), expected[:1], rtol=1e-6)
    np.testing.assert_allclose(clf.prepare([str(tmp_path / "0.png"), Image.fromarray(pixels[1])]), expected, rtol=1e-6)
    probabilities = clf.predict_proba(pixels)
    assert probabilities.shape == (2, 3) and np.allclose(probabilities.sum(1), 1, atol=1e-5)
    assert [label for label, _ in clf.predict(pixels, k=3)[0]] == \
        [clf.labels[i] for i in np.argsort(-probabilities[0], kind="stable")]


@pytest.mark.parametrize("array, message", [
    (np.zeros((2, 32, 32, 1)), "Images must have shape (N, 28, 28, 1) for this model. Received: shape=(2, 32, 32, 1)"),
    (np.full((28, 28), 256), "Integer pixels must be in 0-255. Received: values from 256 to 256"),
    (np.full((28, 28), 1.5), "Float pixels must be in [0, 1] (give integers for 0-255). Received: values from 1.5 to 1.5"),
    (np.full((28, 28), np.nan), "Images must be finite numbers (NaN or infinity given)"),
    (np.zeros((0, 28, 28)), "No images to classify"),
    (np.array([["x"]]), "Images must be numbers (integers 0-255 or floats in [0, 1]). Received: dtype <U1"),
])
def test_bad_arrays(clf, array, message):
    with pytest.raises(TextcnnError) as error:
        clf.prepare(array)
    assert str(error.value) == message


def test_rgb_model_converts_grayscale_files(tmp_path):
    model = build_image_model("lenet-tutorial", (20, 24, 3), 2, seed=0)
    rgb = ImageClassifier(model, ["x", "y"], (20, 24, 3))
    assert rgb.color_mode == "rgb"
    Image.fromarray(np.full((50, 40), 128, np.uint8)).save(tmp_path / "g.jpg")
    batch = rgb.prepare(tmp_path / "g.jpg")
    assert batch.shape == (1, 20, 24, 3) and abs(float(batch.mean()) - 128 / 255) < 0.02
