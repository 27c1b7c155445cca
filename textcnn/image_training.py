"""Deprecated: `textcnn.image_training` moved to `textcnn.training.image`; this alias goes in the next release."""

import warnings

from textcnn.training.image import *  # noqa: F401,F403

warnings.warn("textcnn.image_training is deprecated; import from textcnn.training.image instead", DeprecationWarning, stacklevel=2)
