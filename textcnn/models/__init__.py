"""Model builders: functions from hyper-parameters (and optional pretrained weights) to Keras
models. Models know nothing of files or datasets."""

from textcnn.models.image import (IMAGE_ARCHITECTURES, ImageModelError,
                                  build_image_model)
from textcnn.models.kim import build_kim_cnn

__all__ = [
    "IMAGE_ARCHITECTURES",
    "ImageModelError",
    "build_image_model",
    "build_kim_cnn",
]
