"""Model builders: functions from hyper-parameters (and optional pretrained weights) to Keras
models. Models know nothing of files or datasets.

The builders load Keras on first use; the names (``VARIANTS``, ``IMAGE_ARCHITECTURES``) do not.
"""

from textcnn.models.names import IMAGE_ARCHITECTURES, VARIANTS

_LAZY = {
    "ImageModelError": "textcnn.models.image",
    "build_image_model": "textcnn.models.image",
    "build_kim_cnn": "textcnn.models.kim",
}

__all__ = ["IMAGE_ARCHITECTURES", "VARIANTS", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'textcnn.models' has no attribute {name!r}")
