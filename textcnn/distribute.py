"""Deprecated: `textcnn.distribute` moved to `textcnn.training.distribute`; this alias goes in the next release."""

import warnings

from textcnn.training.distribute import *  # noqa: F401,F403

warnings.warn("textcnn.distribute is deprecated; import from textcnn.training.distribute instead", DeprecationWarning, stacklevel=2)
