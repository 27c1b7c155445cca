"""textcnn: convolutional text (and image) classifiers over word embeddings.

Example:
>>> import textcnn
>>> clf = textcnn.load("runs/latest/model.textcnn")
>>> clf.predict(["a gripping film"], k=2)

The heavy modules (TensorFlow) are imported on first use, so ``import textcnn`` stays cheap.
"""

__version__ = "0.1.0"

_LAZY = {
    "load": ("textcnn.inference", "load"),
    "TextClassifier": ("textcnn.inference", "TextClassifier"),
    "ImageClassifier": ("textcnn.inference", "ImageClassifier"),
    "TrainConfig": ("textcnn.config", "TrainConfig"),
    "TextcnnError": ("textcnn.errors", "TextcnnError"),
    "train": ("textcnn.training", "train"),
    "fit": ("textcnn.training", "fit"),
    "cross_validate": ("textcnn.training", "cross_validate"),
    "evaluate": ("textcnn.training", "evaluate"),
    "load_dataset": ("textcnn.data", "load_dataset"),
    "load_image_dataset": ("textcnn.data.image_datasets", "load_image_dataset"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'textcnn' has no attribute {name!r}")
