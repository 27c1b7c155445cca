"""Model builders: functions from hyper-parameters (and optional pretrained weights) to Keras
models. Models know nothing of files or datasets."""

from textcnn.models.kim import build_kim_cnn

__all__ = ["build_kim_cnn"]
