"""One version of one image model, as served: images decoded from base64 PNG/JPEG or taken as
nested arrays, then batched with other requests like texts are."""

from __future__ import annotations

import base64
import binascii
import io

import numpy as np

from textcnn_service.errors import ApiError
from textcnn_service.served_model import ServedModel

MAX_IMAGE_PIXELS = 4096 * 4096  # larger images are refused before they are decoded


def decode_image(value: str, where: str):
    """A Pillow image from base64 PNG/JPEG (a ``data:image/...;base64,`` URL works too)."""
    from PIL import Image, UnidentifiedImageError

    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_images", f"`{where}` is not base64") from None
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise ApiError(413, "image_too_large",
                           f"`{where}` has {image.width}x{image.height} pixels; the limit is {MAX_IMAGE_PIXELS}")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ApiError(422, "invalid_images", f"`{where}` is not a PNG or JPEG image") from None
    return image


class ServedImageModel(ServedModel):
    """A loaded image model version: inputs are base64 PNG/JPEG strings or nested arrays of
    pixels (``H x W`` or ``H x W x C``; integers 0-255 or numbers in [0, 1]), resized and
    converted as the model needs (arrays must have its size)."""

    input_kind = "image"

    def _prepare_inputs(self, classifier, max_tokens: int) -> None:
        self.input_shape = classifier.input_shape

    def _model_call(self):
        classifier = self.classifier
        return lambda images: classifier.predict_proba(np.stack(images))

    def encode_one(self, value, where: str) -> np.ndarray:
        from textcnn.errors import TextcnnError

        try:
            if isinstance(value, str):
                return self.classifier.prepare(decode_image(value, where))[0]
            if isinstance(value, list):
                try:
                    array = np.asarray(value)
                except ValueError:
                    raise ApiError(422, "invalid_images", f"`{where}` is a ragged array; rows must have equal lengths") from None
                batch = self.classifier.prepare_array(array)
                if len(batch) != 1:
                    raise ApiError(422, "invalid_images", f"`{where}` must be one image. Received: shape={array.shape}")
                return batch[0]
        except TextcnnError as error:
            raise ApiError(422, "invalid_images", f"`{where}`: {error}") from None
        raise ApiError(422, "invalid_images",
                       f"`{where}` must be a base64 PNG/JPEG string or an array of pixels")

    def encode(self, images) -> list[np.ndarray]:
        return [self.encode_one(image, f"images[{i}]") for i, image in enumerate(images)]

    def warmup_inputs(self) -> list:
        return [np.zeros(self.input_shape, dtype="float32").tolist(), np.ones(self.input_shape).tolist()]

    def describe_inputs(self) -> dict:
        return {"input_shape": list(self.input_shape), "preprocessing": self.manifest.get("preprocessing")}
