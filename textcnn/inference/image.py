"""A trained image classifier: the Keras model, its class names, and how images are prepared."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np

from textcnn.artifact import save_artifact
from textcnn.inference.base import Classifier
from textcnn.data.images import COLOR_MODES, image_to_array, read_image
from textcnn.errors import TextcnnError


class ImageClassifier(Classifier):
    """Predicts classes of images: arrays, PNG/JPEG files of any size, or Pillow images.

    Files and Pillow images are converted to the model's colour mode and resized (bilinear) to
    its input size. Arrays must already have that size: ``(N, H, W, C)``, ``(N, H, W)`` for
    one channel, or one image ``(H, W, C)`` / ``(H, W)``; integer arrays are pixels 0-255, float
    arrays pixels in [0, 1].

    Example:
    >>> clf = textcnn.load("runs/mnist/model.textcnn")
    >>> clf.predict(["digit.png"], k=2)
    [[('7', 0.998), ('1', 0.001)]]
    >>> clf.predict_proba(np.zeros((3, 28, 28), np.uint8)).shape
    (3, 10)
    """

    def __init__(self, model, labels: Sequence[str], input_shape: Sequence[int], color_mode: str | None = None,
                 manifest: dict | None = None):
        super().__init__(model, labels, manifest)
        self.input_shape = tuple(int(d) for d in input_shape)
        if len(self.input_shape) != 3:
            raise TextcnnError(f"`input_shape` must be (height, width, channels). Received: input_shape={self.input_shape}")
        self.color_mode = color_mode or ("rgb" if self.input_shape[2] == 3 else "grayscale")
        if self.color_mode not in COLOR_MODES:
            raise TextcnnError(f"`color_mode` must be one of {', '.join(COLOR_MODES)}. Received: color_mode={self.color_mode!r}")

    # -- loading and saving -------------------------------------------------------------------

    @classmethod
    def from_artifact(cls, path, model, manifest: dict) -> "ImageClassifier":
        preprocessing = manifest.get("preprocessing") or {}
        if manifest.get("kind") != "image" or "input_shape" not in preprocessing:
            raise TextcnnError(f"{path} is not an image model")
        return cls(model, manifest["labels"], preprocessing["input_shape"], preprocessing.get("color_mode"),
                   manifest)

    @property
    def preprocessing(self) -> dict:
        return {"input_shape": list(self.input_shape), "color_mode": self.color_mode,
                "scale": "pixel / 255", "resize": "bilinear"}

    def save(self, path) -> Path:
        manifest = {**self.manifest, "kind": "image", "labels": self.labels,
                    "preprocessing": self.preprocessing}
        return save_artifact(path, self.model, manifest, None)

    # -- preparing inputs -----------------------------------------------------------------------

    def prepare(self, inputs) -> np.ndarray:
        """`inputs` as a float32 batch ``(N, H, W, C)`` in [0, 1] of the model's input shape."""
        if isinstance(inputs, (str, PathLike)) or hasattr(inputs, "convert"):
            inputs = [inputs]
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(x, (str, PathLike)) or hasattr(x, "convert") for x in inputs):
            size = self.input_shape[:2]
            return np.stack([read_image(Path(x), size, self.color_mode) if isinstance(x, (str, PathLike))
                             else image_to_array(x, size, self.color_mode) for x in inputs])
        return self.prepare_array(inputs)

    def prepare_array(self, array) -> np.ndarray:
        try:
            array = np.asarray(array)
        except ValueError:
            raise TextcnnError("Images must be arrays of equal shape (ragged nested lists given)") from None
        height, width, channels = self.input_shape
        if array.size == 0:
            raise TextcnnError("No images to classify")
        if array.dtype.kind not in "iuf":
            raise TextcnnError(f"Images must be numbers (integers 0-255 or floats in [0, 1]). Received: dtype {array.dtype}")
        low, high = array.min(), array.max()
        if not (np.isfinite(low) and np.isfinite(high)):
            raise TextcnnError("Images must be finite numbers (NaN or infinity given)")
        if array.dtype.kind in "iu":
            if low < 0 or high > 255:
                raise TextcnnError(f"Integer pixels must be in 0-255. Received: values from {low} to {high}")
            array = array.astype(np.float32) / np.float32(255.0)
        elif low < 0 or high > 1:
            raise TextcnnError(f"Float pixels must be in [0, 1] (give integers for 0-255). "
                               f"Received: values from {float(low):g} to {float(high):g}")
        array = array.astype(np.float32)
        shape = array.shape
        if shape == (height, width) and channels == 1 or shape == (height, width, channels):
            array = array.reshape(1, height, width, channels)
        elif array.ndim == 3 and shape[1:] == (height, width) and channels == 1:
            array = array[..., None]
        if array.ndim != 4 or array.shape[1:] != self.input_shape:
            raise TextcnnError(f"Images must have shape (N, {height}, {width}, {channels}) for this model. "
                               f"Received: shape={shape}")
        return array

    # -- prediction ---------------------------------------------------------------------------

    def _input_signature(self):
        import tensorflow as tf

        return tf.TensorSpec((None, *self.input_shape), tf.float32)

    def predict_proba(self, inputs, batch_size: int = 256) -> np.ndarray:
        """Class probabilities, shape ``(N, len(labels))``, columns in `labels` order."""
        images = self.prepare(inputs)
        out = np.zeros((len(images), len(self.labels)), dtype="float32")
        for start in range(0, len(images), batch_size):
            out[start: start + batch_size] = self._call(images[start: start + batch_size])
        return out

    def __repr__(self) -> str:
        return (f"ImageClassifier(labels={self.labels}, input_shape={self.input_shape}, "
                f"arch={self.manifest.get('config', {}).get('arch')!r})")
