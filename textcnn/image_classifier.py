"""Deprecated: `textcnn.image_classifier` moved to `textcnn.inference.image`; this alias goes in the next release."""

import warnings

from textcnn.inference.image import *  # noqa: F401,F403

warnings.warn("textcnn.image_classifier is deprecated; import from textcnn.inference.image instead", DeprecationWarning, stacklevel=2)
